import OpenAI, { APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ModelEndpointConfig, ModelRole } from '../config.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';
import { toModelError } from './model-errors.js';

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Sampling options a caller may pass through to the model unchanged. */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Completion {
  content: string;
  /** The model name the server reports having used. */
  model: string;
  finishReason: string | null;
  usage: Usage | null;
  latencyMs: number;
}

export type StreamPart =
  | { type: 'delta'; content: string }
  | { type: 'end'; model: string; finishReason: string; usage: Usage | null; latencyMs: number };

function usageOf(usage: OpenAI.CompletionUsage | null | undefined): Usage | null {
  if (usage === null || usage === undefined) return null;
  const { prompt_tokens, completion_tokens, total_tokens } = usage;
  return { prompt_tokens, completion_tokens, total_tokens };
}

/**
 * One OpenAI-compatible chat model serving one role (student now; teacher and customer later).
 * Timeouts and retries are the SDK's, configured explicitly; errors come out as Coach's typed errors.
 */
export class ChatModel {
  readonly model: string;
  private readonly client: OpenAI;

  constructor(
    readonly role: ModelRole,
    private readonly config: ModelEndpointConfig,
  ) {
    this.model = config.model;
    this.client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: config.maxRetries });
  }

  async complete(messages: ModelMessage[], params: SamplingParams = {}, signal?: AbortSignal): Promise<Completion> {
    const started = performance.now();
    try {
      const response = await this.client.chat.completions.create(
        { ...params, model: this.model, messages: messages as ChatCompletionMessageParam[], stream: false },
        // The SDK adds an abort listener to the signal it is given and never removes it: a per-call
        // signal that follows the caller's keeps a long-lived one (a whole teacher job) from collecting them.
        { signal: signal === undefined ? undefined : AbortSignal.any([signal]) },
      );
      const choice = response.choices[0];
      return {
        content: choice?.message.content ?? '',
        model: response.model,
        finishReason: choice?.finish_reason ?? null,
        usage: usageOf(response.usage),
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      throw toModelError(err, this.role, this.model);
    }
  }

  /**
   * Resolves once the model has accepted the request (so connection, 5xx and timeout failures are
   * thrown before any byte reaches the caller), then yields text deltas and one final `end` part.
   * Only a stream that gave a finish reason ends with `end`; anything else is an UpstreamError.
   */
  async stream(messages: ModelMessage[], params: SamplingParams = {}, signal?: AbortSignal): Promise<AsyncGenerator<StreamPart>> {
    const started = performance.now();
    // The SDK's timeout stops at the response headers; a stream that goes quiet needs its own.
    const idle = new AbortController();
    const combined = signal === undefined ? idle.signal : AbortSignal.any([signal, idle.signal]);
    let response;
    let contentType;
    try {
      const created = await this.client.chat.completions
        .create(
          { ...params, model: this.model, messages: messages as ChatCompletionMessageParam[], stream: true, stream_options: { include_usage: true } },
          { signal: combined },
        )
        .withResponse();
      response = created.data;
      contentType = created.response.headers.get('content-type');
    } catch (err) {
      throw toModelError(err, this.role, this.model);
    }
    const { role, config } = this;
    const model = this.model;
    return (async function* parts(): AsyncGenerator<StreamPart> {
      let timer = setTimeout(() => idle.abort(), config.timeoutMs);
      let answeredBy = model;
      let finishReason: string | null = null;
      let usage: Usage | null = null;
      let chunks = 0;
      try {
        for await (const chunk of response) {
          chunks++;
          clearTimeout(timer);
          timer = setTimeout(() => idle.abort(), config.timeoutMs);
          answeredBy = chunk.model ?? answeredBy;
          usage = usageOf(chunk.usage) ?? usage;
          const choice = chunk.choices[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const content = choice?.delta?.content;
          if (content) yield { type: 'delta', content };
        }
        // The SDK ends an aborted stream quietly rather than throwing.
        if (combined.aborted) throw new APIUserAbortError();
        // The SDK also ends quietly when the connection closes early, and reads a body that is no
        // event stream at all (an HTML error page, plain JSON) as an empty stream.
        if (finishReason === null) {
          const problem = chunks === 0 ? `answered a stream request with no stream events (content-type ${contentType ?? 'none'})` : 'ended its stream without a finish reason';
          throw new UpstreamError(`the ${role} model ${model} ${problem}`, { role, model, chunks });
        }
      } catch (err) {
        if (idle.signal.aborted) throw new UpstreamTimeoutError(`the ${role} model ${model} stopped sending for ${config.timeoutMs} ms`, { role, model });
        throw toModelError(err, role, model);
      } finally {
        clearTimeout(timer);
      }
      yield { type: 'end', model: answeredBy, finishReason, usage, latencyMs: Math.round(performance.now() - started) };
    })();
  }
}
