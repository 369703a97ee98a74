import OpenAI, { APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ModelEndpointConfig, ModelRole } from '../config.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { ChatMessage } from '../messages.js';
import { beforeDeadline, type Deadline, DeadlineFetch } from './deadline.js';
import { ModelCallAbortedError, toModelError } from './model-errors.js';

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
 * One OpenAI-compatible chat model serving one role.
 * Timeouts and retries are the SDK's, configured explicitly; errors come out as Coach's typed errors.
 * A call given a deadline is answered by then: its attempts are cut and its retries refused.
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

  async complete(messages: ChatMessage[], params: SamplingParams = {}, signal?: AbortSignal, deadline?: Deadline): Promise<Completion> {
    const started = performance.now();
    const call = this.call(signal, deadline);
    try {
      const response = await call.settle(
        call.client.chat.completions.create(
          { ...params, model: this.model, messages: messages as ChatCompletionMessageParam[], stream: false },
          { signal: call.signal },
        ),
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
      throw call.failure(err);
    }
  }

  /**
   * Resolves once the model has accepted the request (so connection, 5xx and timeout failures are
   * thrown before any byte reaches the caller), then yields text deltas and one final `end` part.
   * Only a stream that gave a finish reason ends with `end`; anything else is an UpstreamError.
   * A deadline covers the whole stream, not only its start.
   */
  async stream(messages: ChatMessage[], params: SamplingParams = {}, signal?: AbortSignal, deadline?: Deadline): Promise<AsyncGenerator<StreamPart>> {
    const started = performance.now();
    // The SDK's timeout stops at the response headers; a stream that goes quiet needs its own.
    const idle = new AbortController();
    const call = this.call(signal, deadline, idle.signal);
    let response;
    let contentType;
    try {
      const created = await call.settle(
        call.client.chat.completions
          .create(
            { ...params, model: this.model, messages: messages as ChatCompletionMessageParam[], stream: true, stream_options: { include_usage: true } },
            { signal: call.signal },
          )
          .withResponse(),
      );
      response = created.data;
      contentType = created.response.headers.get('content-type');
    } catch (err) {
      throw call.failure(err);
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
        if (call.signal.aborted) throw new APIUserAbortError();
        // The SDK also ends quietly when the connection closes early, and reads a body that is no
        // event stream at all (an HTML error page, plain JSON) as an empty stream.
        if (finishReason === null) {
          const problem = chunks === 0 ? `answered a stream request with no stream events (content-type ${contentType ?? 'none'})` : 'ended its stream without a finish reason';
          throw new UpstreamError(`the ${role} model ${model} ${problem}`, { role, model, chunks });
        }
      } catch (err) {
        throw call.failure(err, idle.signal.aborted);
      } finally {
        clearTimeout(timer);
      }
      yield { type: 'end', model: answeredBy, finishReason, usage, latencyMs: Math.round(performance.now() - started) };
    })();
  }

  /** What one call needs: the signal for the SDK, the client, and how a failure is told apart. */
  private call(caller: AbortSignal | undefined, deadline: Deadline | undefined, idle?: AbortSignal) {
    const { role, model, config } = this;
    const guard = deadline === undefined ? undefined : new DeadlineFetch(deadline, config.maxRetries);
    // The SDK adds an abort listener to the signal it is given and never removes it: a per-call
    // signal that follows the caller's keeps a long-lived one (a whole teacher job) from collecting them.
    const signal = AbortSignal.any([caller, deadline?.signal, idle].filter((s): s is AbortSignal => s !== undefined));
    return {
      signal,
      client: guard === undefined ? this.client : this.client.withOptions({ fetch: guard.fetch }),
      settle: <T>(promise: Promise<T>): Promise<T> => (deadline === undefined ? promise : beforeDeadline(promise, deadline)),
      failure(err: unknown, wentQuiet = false): Error {
        if (caller?.aborted) return new ModelCallAbortedError(role);
        if (deadline?.signal.aborted) {
          return new UpstreamTimeoutError(`the ${role} model ${model} had not answered when the deadline of ${deadline.ms} ms passed`, { role, model, deadline_ms: deadline.ms });
        }
        if (guard?.refusedWaitMs !== undefined) {
          const wait = Math.round(guard.refusedWaitMs);
          return new UpstreamTimeoutError(`the ${role} model ${model} asked to wait ${wait} ms before a retry, past the deadline of ${guard.deadline.ms} ms`, {
            role,
            model,
            retry_after_ms: wait,
          });
        }
        if (wentQuiet) return new UpstreamTimeoutError(`the ${role} model ${model} stopped sending for ${config.timeoutMs} ms`, { role, model });
        return toModelError(err, role, model);
      },
    };
  }
}
