import OpenAI, { APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall, ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { ReasoningEffort } from 'openai/resources/shared';
import type { ModelEndpointConfig, ModelRole } from '../config.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';
import type { ChatMessage, ToolCall, ToolChoice, ToolDefinition } from '../messages.js';
import { beforeDeadline, type Deadline, DeadlineFetch } from './deadline.js';
import { ModelCallAbortedError, toModelError } from './model-errors.js';
import { recordModelCall } from '../ops/instruments.js';
import { startSpan } from '../ops/tracing.js';

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

/** Request options a caller may pass through to the model unchanged, besides the messages. */
export interface CompletionParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  seed?: number;
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  logprobs?: boolean;
  top_logprobs?: number;
  metadata?: Record<string, string>;
  user?: string;
  reasoning_effort?: Exclude<ReasoningEffort, null>;
}

/** Token log probabilities, as the model returned them (with `logprobs: true`). */
export interface Logprobs {
  content: ChatCompletionTokenLogprob[] | null;
  refusal: ChatCompletionTokenLogprob[] | null;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface Completion {
  /** null when the model answered with tool calls only, or refused. */
  content: string | null;
  toolCalls: ToolCall[];
  refusal: string | null;
  logprobs: Logprobs | null;
  /** The model name the server reports having used. */
  model: string;
  finishReason: string | null;
  usage: Usage | null;
  latencyMs: number;
}

/** A piece of one tool call: the first carries its id and name, later ones more of its arguments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export type StreamPart =
  | { type: 'delta'; content?: string; refusal?: string; toolCalls?: ToolCallDelta[]; logprobs?: Logprobs }
  | { type: 'end'; model: string; finishReason: string; usage: Usage | null; toolCalls: ToolCall[]; latencyMs: number };

/** Only function tools are ever offered, so other kinds of call cannot be asked for. */
function functionCalls(calls: ChatCompletionMessageToolCall[] | undefined): ToolCall[] {
  return (calls ?? []).flatMap((call) => (call.type === 'function' ? [{ id: call.id, type: 'function' as const, function: call.function }] : []));
}

/** Tool calls put together from their stream deltas, in index order. */
class ToolCallAssembler {
  private readonly byIndex = new Map<number, ToolCall>();

  add(delta: ToolCallDelta): void {
    const call = this.byIndex.get(delta.index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
    if (delta.id !== undefined) call.id = delta.id;
    call.function.name += delta.name ?? '';
    call.function.arguments += delta.arguments ?? '';
    this.byIndex.set(delta.index, call);
  }

  calls(): ToolCall[] {
    return [...this.byIndex.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  }
}

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

  async complete(messages: ChatMessage[], params: CompletionParams = {}, signal?: AbortSignal, deadline?: Deadline): Promise<Completion> {
    const started = performance.now();
    const call = this.call(signal, deadline);
    const observed = this.observe(started);
    try {
      const response = await call.settle(
        call.client.chat.completions.create(
          { ...params, model: this.model, messages: messages as ChatCompletionMessageParam[], stream: false },
          { signal: call.signal },
        ),
      );
      const choice = response.choices[0];
      observed.ok(response.model, usageOf(response.usage));
      return {
        content: choice?.message.content ?? null,
        toolCalls: functionCalls(choice?.message.tool_calls),
        refusal: choice?.message.refusal ?? null,
        logprobs: choice?.logprobs ?? null,
        model: response.model,
        finishReason: choice?.finish_reason ?? null,
        usage: usageOf(response.usage),
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      throw observed.failed(call.failure(err));
    }
  }

  /**
   * Resolves once the model has accepted the request (so connection, 5xx and timeout failures are
   * thrown before any byte reaches the caller), then yields deltas (text, tool-call pieces, log
   * probabilities) and one final `end` part, which has the tool calls put together.
   * Only a stream that gave a finish reason ends with `end`; anything else is an UpstreamError.
   * A deadline covers the whole stream, not only its start.
   */
  async stream(messages: ChatMessage[], params: CompletionParams = {}, signal?: AbortSignal, deadline?: Deadline): Promise<AsyncGenerator<StreamPart>> {
    const started = performance.now();
    // The SDK's timeout stops at the response headers; a stream that goes quiet needs its own.
    const idle = new AbortController();
    const call = this.call(signal, deadline, idle.signal);
    const observed = this.observe(started);
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
      throw observed.failed(call.failure(err));
    }
    const { role, config } = this;
    const model = this.model;
    return (async function* parts(): AsyncGenerator<StreamPart> {
      let timer = setTimeout(() => idle.abort(), config.timeoutMs);
      let answeredBy = model;
      let finishReason: string | null = null;
      let usage: Usage | null = null;
      const toolCalls = new ToolCallAssembler();
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
          const delta = choice?.delta;
          const pieces = (delta?.tool_calls ?? []).map((call) => ({
            index: call.index,
            ...(call.id === undefined ? {} : { id: call.id }),
            ...(call.function?.name === undefined ? {} : { name: call.function.name }),
            ...(call.function?.arguments === undefined ? {} : { arguments: call.function.arguments }),
          }));
          pieces.forEach((piece) => toolCalls.add(piece));
          const part: StreamPart = {
            type: 'delta',
            ...(delta?.content ? { content: delta.content } : {}),
            ...(delta?.refusal ? { refusal: delta.refusal } : {}),
            ...(pieces.length > 0 ? { toolCalls: pieces } : {}),
            ...(choice?.logprobs ? { logprobs: choice.logprobs } : {}),
          };
          if (Object.keys(part).length > 1) yield part;
        }
        // The SDK ends an aborted stream quietly rather than throwing.
        if (call.signal.aborted) throw new APIUserAbortError();
        // The SDK also ends quietly when the connection closes early, and reads a body that is no
        // event stream at all (an HTML error page, plain JSON) as an empty stream.
        if (finishReason === null) {
          const problem = chunks === 0 ? `answered a stream request with no stream events (content-type ${contentType ?? 'none'})` : 'ended its stream without a finish reason';
          throw new UpstreamError(`the ${role} model ${model} ${problem}`, { role, model, chunks });
        }
        observed.ok(answeredBy, usage);
      } catch (err) {
        throw observed.failed(call.failure(err, idle.signal.aborted));
      } finally {
        clearTimeout(timer);
        observed.abandoned();
      }
      yield { type: 'end', model: answeredBy, finishReason, usage, toolCalls: toolCalls.calls(), latencyMs: Math.round(performance.now() - started) };
    })();
  }

  /** The call's span, latency and tokens, recorded once it ends either way. */
  private observe(started: number) {
    const { role, model } = this;
    const span = startSpan('model call', { 'gen_ai.system': 'openai', 'gen_ai.request.model': model, 'coach.model_role': role });
    const seconds = () => (performance.now() - started) / 1000;
    let settled = false;
    return {
      ok(answeredBy: string, usage: Usage | null) {
        settled = true;
        span.span.setAttributes({ 'gen_ai.response.model': answeredBy, 'gen_ai.usage.input_tokens': usage?.prompt_tokens ?? 0, 'gen_ai.usage.output_tokens': usage?.completion_tokens ?? 0 });
        span.end();
        recordModelCall({ role, model: answeredBy, seconds: seconds(), outcome: 'ok', usage });
      },
      failed(err: Error): Error {
        if (settled) return err;
        settled = true;
        span.end(err);
        recordModelCall({ role, model, seconds: seconds(), outcome: 'error' });
        return err;
      },
      /** A stream its reader stopped reading: the client left. */
      abandoned(): void {
        if (!settled) this.failed(new ModelCallAbortedError(role));
      },
    };
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
