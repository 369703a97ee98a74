import { randomUUID } from 'node:crypto';
import type { ChatConfig } from '../config.js';
import { AppError, RetrievalFailedError } from '../errors.js';
import { retrievalFor, type RetrievalChoice } from '../library/retrieval-settings.js';
import type { Library } from '../library/types.js';
import type { ChatMessage, ToolCall } from '../messages.js';
import type { Completion, CompletionParams, Logprobs, StreamPart, ToolCallDelta, Usage } from '../models/chat-model.js';
import { Deadline } from '../models/deadline.js';
import { ModelCallAbortedError } from '../models/model-errors.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { recordGuidanceInPrompt, recordWithheld } from '../ops/instruments.js';
import { withSpan } from '../ops/tracing.js';
import type { RetrievedGuidance, Retriever } from '../retrieval/retriever.js';
import { composePrompt, withTheirNeeds, type Composition } from './composer.js';
import { conversationKey, withheldByHoldout } from './holdout.js';
import { namedTools, toolResultsGiven } from './tool-traces.js';
import type { GuidanceNote, GuidanceRef } from './types.js';
import type { Endpoint, RetrievalOutcome, TraceRecord, TraceStore } from './trace-store.js';

export interface Turn {
  library: Library;
  keyId: string;
  endpoint: Endpoint;
  messages: ChatMessage[];
  conversationId: string | null;
  /** The request's own k and min_score; what it leaves out comes from the library's settings. */
  retrieval: RetrievalChoice;
  /** Whether the answer is streamed (recorded in the trace; `stream()` is what streams). */
  stream: boolean;
  /** Passed to the student unchanged, tools included. */
  params?: CompletionParams;
  /** Aborted when the caller disconnects; cancels the model call. */
  signal?: AbortSignal;
}

export interface Prepared {
  traceId: string;
  composition: Composition;
  retrieval: RetrievalOutcome;
  /** Per entry in the prompt, the offered tools its guidance names. */
  namedTools: Record<string, string[]>;
  /** Entries that would have entered the prompt but the hold-out withheld. */
  withheld: GuidanceRef[];
}

/** The entries of a library not to be served now: those flagged by a policy edit, when the library says so. */
export type UnservedEntries = (library: Library) => Promise<Set<string>>;

/** The student's completion, with what Coach put in front of it. */
export interface ChatAnswer extends Omit<Completion, 'latencyMs'> {
  traceId: string;
  guidance: GuidanceRef[];
  retrieval: RetrievalOutcome;
}

export type ChatStreamEvent =
  | { type: 'delta'; content?: string; refusal?: string; toolCalls?: ToolCallDelta[]; logprobs?: Logprobs }
  | { type: 'done'; model: string; finishReason: string; usage: Usage | null; toolCalls: ToolCall[] }
  | { type: 'error'; code: string; message: string };

export interface ChatStream {
  traceId: string;
  model: string;
  guidance: GuidanceRef[];
  retrieval: RetrievalOutcome;
  events: AsyncGenerator<ChatStreamEvent>;
}

export interface ErrorLog {
  error(obj: object, msg: string): void;
}

function failure(err: unknown): { status: 'error' | 'aborted'; error: { code: string; message: string } } {
  if (err instanceof ModelCallAbortedError) return { status: 'aborted', error: { code: 'client_closed', message: err.message } };
  if (err instanceof AppError) return { status: 'error', error: { code: err.code, message: err.message } };
  return { status: 'error', error: { code: 'internal_error', message: (err as Error).message } };
}

const spanAttributes = (turn: Turn) => ({ 'coach.library_id': turn.library.id, 'coach.endpoint': turn.endpoint, 'coach.stream': turn.stream });

const elapsed = (since: number) => Math.round(performance.now() - since);

const asNote = ({ id, version, score, scenario, guidance, always_on, explanation }: RetrievedGuidance): GuidanceNote => ({
  id, version, score, scenario, guidance, always_on, needs: explanation.selection.needs,
});

/**
 * One chat turn: retrieve guidance, compose the student's prompt, call the student, record a trace.
 * The turn's deadline (CHAT_DEADLINE_MS) starts before retrieval, so retrieval time counts against it too.
 */
export class ChatService {
  constructor(
    private readonly retriever: Retriever,
    private readonly models: ModelRegistry,
    private readonly traces: TraceStore,
    private readonly config: ChatConfig,
    private readonly log: ErrorLog,
    private readonly unserved: UnservedEntries,
  ) {}

  /** The prompt a frontend may send to its own model, traced so feedback can refer to it. */
  async compose(turn: Turn): Promise<Prepared> {
    return withSpan('chat turn', spanAttributes(turn), () => this.composeTurn(turn));
  }

  async complete(turn: Turn): Promise<ChatAnswer> {
    return withSpan('chat turn', spanAttributes(turn), () => this.completeTurn(turn));
  }

  /** The span covers the turn until the student has accepted the request; the model call's own span runs to the stream's end. */
  async stream(turn: Turn): Promise<ChatStream> {
    return withSpan('chat turn', spanAttributes(turn), () => this.streamTurn(turn));
  }

  private async composeTurn(turn: Turn): Promise<Prepared> {
    const prepared = await this.prepare(turn);
    await this.traces.record(this.trace(turn, prepared, { status: 'ok', model: null }));
    return prepared;
  }

  private async completeTurn(turn: Turn): Promise<ChatAnswer> {
    const deadline = new Deadline(this.config.deadlineMs);
    const student = this.models.get('student');
    const prepared = await this.prepare(turn);
    const started = performance.now();
    try {
      const answer = await student.complete(prepared.composition.messages, turn.params, turn.signal, deadline);
      const { content, toolCalls, refusal, logprobs, model, finishReason, usage } = answer;
      await this.traces.record(this.trace(turn, prepared, { status: 'ok', model, modelMs: answer.latencyMs, usage, finishReason, toolCalls }));
      return { traceId: prepared.traceId, content, toolCalls, refusal, logprobs, model, finishReason, usage, guidance: prepared.composition.used, retrieval: prepared.retrieval };
    } catch (err) {
      await this.recordFailure(turn, prepared, student.model, started, err);
      throw err;
    }
  }

  /**
   * Resolves once the student has accepted the request, so retrieval, configuration and upstream
   * failures before the first token still become ordinary error responses.
   */
  private async streamTurn(turn: Turn): Promise<ChatStream> {
    const deadline = new Deadline(this.config.deadlineMs);
    const student = this.models.get('student');
    const prepared = await this.prepare(turn);
    const started = performance.now();
    let parts;
    try {
      parts = await student.stream(prepared.composition.messages, turn.params, turn.signal, deadline);
    } catch (err) {
      await this.recordFailure(turn, prepared, student.model, started, err);
      throw err;
    }
    return {
      traceId: prepared.traceId,
      model: student.model,
      guidance: prepared.composition.used,
      retrieval: prepared.retrieval,
      events: this.relay(turn, prepared, parts, student.model, started),
    };
  }

  /** The trace is written before `done` or `error` is yielded, so a client may fetch it at once. */
  private async *relay(turn: Turn, prepared: Prepared, parts: AsyncGenerator<StreamPart>, model: string, started: number): AsyncGenerator<ChatStreamEvent> {
    let recorded = false;
    try {
      for await (const part of parts) {
        if (part.type === 'delta') {
          yield part;
          continue;
        }
        recorded = true;
        const { model, finishReason, usage, toolCalls } = part;
        await this.traces.record(this.trace(turn, prepared, { status: 'ok', model, modelMs: part.latencyMs, usage, finishReason, toolCalls }));
        yield { type: 'done', model, finishReason, usage, toolCalls };
      }
    } catch (err) {
      recorded = true;
      await this.recordFailure(turn, prepared, model, started, err);
      if (!(err instanceof ModelCallAbortedError)) yield { type: 'error', ...failure(err).error };
    } finally {
      // The consumer stopped reading before the end: the client is gone.
      if (!recorded) await this.recordFailure(turn, prepared, model, started, new ModelCallAbortedError('student'));
    }
  }

  private async prepare(turn: Turn): Promise<Prepared> {
    const traceId = randomUUID();
    const started = performance.now();
    let guidance: RetrievedGuidance[] = [];
    let retrieval: RetrievalOutcome;
    try {
      guidance = await this.servable(turn);
      retrieval = { status: 'ok', error: null, ms: elapsed(started) };
    } catch (err) {
      retrieval = { status: 'failed', error: (err as Error).message, ms: elapsed(started) };
      if (this.config.onRetrievalError === 'fail') {
        const error = new RetrievalFailedError('guidance retrieval failed; the turn was not answered', { trace_id: traceId });
        const composition = { messages: [], used: [], dropped: [], guidanceTokens: 0 };
        await this.traces.record(this.trace(turn, { traceId, composition, retrieval, namedTools: {}, withheld: [] }, { status: 'error', model: null, error: failure(error).error }));
        throw error;
      }
    }
    const compose = (notes: RetrievedGuidance[]) =>
      composePrompt({ policy: turn.library.policy, guidance: notes.map(asNote), messages: turn.messages, guidanceTokenBudget: this.config.guidanceTokenBudget });
    // Withheld from what would have been in the prompt; the budget they free is left unused, so the
    // two arms of an entry differ by that entry alone.
    const conversation = conversationKey(turn.conversationId, traceId);
    const { composition, withheld } = await withSpan('compose', { 'coach.candidates': guidance.length }, async (span) => {
      const full = compose(guidance);
      const held = full.used.filter((g) => withheldByHoldout(turn.library.holdout_rate, conversation, g.id));
      const shown = new Set(full.used.filter((g) => !held.includes(g)).map((g) => g.id));
      const composed = held.length === 0 ? full : { ...compose(guidance.filter((g) => shown.has(g.id))), dropped: full.dropped };
      span.setAttributes({
        'coach.guidance_used': composed.used.length,
        'coach.guidance_dropped': composed.dropped.length,
        'coach.guidance_withheld': held.length,
        'coach.guidance_tokens': composed.guidanceTokens,
      });
      return { composition: composed, withheld: held };
    });
    recordGuidanceInPrompt(composition.used.length);
    if (withheld.length > 0) recordWithheld(withheld.length);
    const kept = new Set(composition.used.map((g) => g.id));
    return { traceId, composition, retrieval, withheld, namedTools: namedTools(guidance.filter((g) => kept.has(g.id)), turn.params?.tools ?? []) };
  }

  /**
   * Retrieved guidance without the entries the library does not serve now. Those are filtered
   * after retrieval, so it asks for as many more as there are, to still fill k (always-on entries
   * are outside k); an entry requiring one of them goes too. k and min_score depend on the student
   * model in force, which compose reports too although it calls none. The conversation's earlier
   * turns tell which notes were already followed.
   */
  private async servable(turn: Turn): Promise<RetrievedGuidance[]> {
    const { k, minScore } = retrievalFor(turn.library.retrieval, this.models.modelName('student'), turn.retrieval);
    const unserved = await this.unserved(turn.library);
    const { results } = await this.retriever.retrieve(turn.library, { messages: turn.messages, k: k + unserved.size, minScore, conversationId: turn.conversationId });
    const served = results.filter((g) => !unserved.has(g.id));
    const inK = [...served.filter((g) => g.always_on), ...served.filter((g) => !g.always_on).slice(0, k)];
    const kept = new Set(withTheirNeeds(inK.map(asNote)).map((note) => note.id));
    return inK.filter((g) => kept.has(g.id));
  }

  private async recordFailure(turn: Turn, prepared: Prepared, model: string, started: number, err: unknown): Promise<void> {
    try {
      await this.traces.record(this.trace(turn, prepared, { model, modelMs: elapsed(started), ...failure(err) }));
    } catch (recordError) {
      // The turn's own error matters more to the caller; a lost trace is still worth an alert.
      this.log.error({ err: recordError, trace_id: prepared.traceId }, 'recording a failed chat turn failed');
    }
  }

  private trace(
    turn: Turn,
    prepared: Prepared,
    outcome: Pick<TraceRecord, 'status' | 'model'> & Partial<Pick<TraceRecord, 'modelMs' | 'usage' | 'finishReason' | 'error' | 'toolCalls'>>,
  ): TraceRecord {
    return {
      id: prepared.traceId,
      libraryId: turn.library.id,
      conversationId: turn.conversationId,
      keyId: turn.keyId,
      endpoint: turn.endpoint,
      stream: turn.stream,
      guidance: prepared.composition.used,
      namedTools: prepared.namedTools,
      retrieval: prepared.retrieval,
      toolsOffered: (turn.params?.tools ?? []).map((tool) => tool.function.name),
      toolResults: toolResultsGiven(turn.messages),
      toolCalls: [],
      withheld: prepared.withheld,
      holdoutRate: turn.library.holdout_rate,
      messages: turn.messages,
      modelMs: null,
      usage: null,
      finishReason: null,
      error: null,
      ...outcome,
    };
  }
}
