import type http from 'node:http';
import { LocalServer } from './local-server.js';

/** A tool call the fake answers with; streamed, its arguments arrive in `argumentChunks` when given. */
export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
  argumentChunks?: string[];
}

/** What the fake does with the next request it receives. */
export type FakeBehaviour =
  | {
      type: 'reply';
      /** null (with toolCalls): a turn of tool calls only, as OpenAI sends it. */
      content: string | null;
      chunks?: string[];
      toolCalls?: FakeToolCall[];
      /** Sent as the choice's logprobs (streamed: on the first content chunk). */
      logprobs?: unknown;
      model?: string;
      finishReason?: string;
      usage?: FakeUsage;
      delayMs?: number;
    }
  | { type: 'error'; status: number; message?: string; retryAfterMs?: number; retryAfterSeconds?: number }
  /** Never answers; the request stays open until the client gives up. */
  | { type: 'hang' }
  /** Sends these stream chunks, then goes quiet with the connection open. */
  | { type: 'stream-then-hang'; chunks: string[] }
  /** Sends these stream chunks, then ends the response cleanly: no finish reason, no `[DONE]`. */
  | { type: 'stream-then-close'; chunks: string[] }
  /** Sends one stream chunk every `intervalMs`, never finishing, until the client goes away. */
  | { type: 'trickle'; content: string; intervalMs: number }
  /** Answers 200 with this body whatever was asked (a proxy's HTML page, a truncated JSON body). */
  | { type: 'raw'; contentType: string; body: string };

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model?: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages?: { role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }[];
    [key: string]: unknown;
  };
  /** True once the connection closed before the fake finished its answer. */
  closedEarly: boolean;
  /** Resolves when the fake's response closes, finished or not. */
  closed: Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

const DEFAULT: FakeBehaviour = { type: 'reply', content: 'Happy to help with that.' };

function usageFor(body: ReceivedRequest['body'], content: string | null): FakeUsage {
  const prompt = Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completion = (content ?? '').split(/\s+/).filter(Boolean).length;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const finishReasonOf = (reply: Extract<FakeBehaviour, { type: 'reply' }>) => reply.finishReason ?? (reply.toolCalls === undefined ? 'stop' : 'tool_calls');

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/**
 * An OpenAI-compatible chat server on 127.0.0.1 for tests: answers /v1/chat/completions as JSON or
 * as SSE chunks ending in `data: [DONE]`, follows a per-test script of behaviours (falling back to
 * a fixed reply), records every request, and can fail with a status, hang, or stall mid-stream.
 */
export class FakeOpenAI {
  readonly requests: ReceivedRequest[] = [];
  private readonly queue: FakeBehaviour[] = [];
  private server!: LocalServer;

  static async start(t: Teardown): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    fake.server = await LocalServer.start((req, res, body) => fake.handle(req, res, body));
    t.teardown(() => fake.close());
    return fake;
  }

  /** The base URL an OpenAI client takes, ending in /v1. */
  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Behaviours for the next requests, in order. */
  script(...behaviours: FakeBehaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    let closed!: () => void;
    const record: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: raw === '' ? {} : JSON.parse(raw),
      closedEarly: false,
      closed: new Promise<void>((resolve) => (closed = resolve)),
    };
    res.on('close', () => {
      record.closedEarly = !res.writableFinished;
      closed();
    });
    this.requests.push(record);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    this.respond(record, this.queue.shift() ?? DEFAULT, res);
  }

  private respond(record: ReceivedRequest, behaviour: FakeBehaviour, res: http.ServerResponse): void {
    const { body } = record;
    switch (behaviour.type) {
      case 'hang':
        return;
      case 'error': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        // The SDK honours retry-after-ms, which keeps retry tests fast.
        if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
        if (behaviour.retryAfterSeconds !== undefined) headers['retry-after'] = String(behaviour.retryAfterSeconds);
        res.writeHead(behaviour.status, headers).end(JSON.stringify({ error: { message: behaviour.message ?? `fake failure ${behaviour.status}`, type: 'server_error' } }));
        return;
      }
      case 'stream-then-hang':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const content of behaviour.chunks) res.write(sse(this.chunk(body, { content }, null)));
        return;
      case 'stream-then-close':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const content of behaviour.chunks) res.write(sse(this.chunk(body, { content }, null)));
        res.end();
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write(sse(this.chunk(body, { content: behaviour.content }, null))), behaviour.intervalMs);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'raw':
        res.writeHead(200, { 'content-type': behaviour.contentType }).end(behaviour.body);
        return;
      case 'reply': {
        const send = () => (body.stream === true ? this.stream(body, behaviour, res) : this.json(body, behaviour, res));
        if (behaviour.delayMs === undefined) send();
        else {
          const timer = setTimeout(send, behaviour.delayMs);
          res.on('close', () => clearTimeout(timer));
        }
      }
    }
  }

  private json(body: ReceivedRequest['body'], reply: Extract<FakeBehaviour, { type: 'reply' }>, res: http.ServerResponse): void {
    const toolCalls = reply.toolCalls?.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } }));
    const message = { role: 'assistant', content: reply.content, refusal: null, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: reply.model ?? body.model,
        choices: [{ index: 0, message, logprobs: reply.logprobs ?? null, finish_reason: finishReasonOf(reply) }],
        usage: reply.usage ?? usageFor(body, reply.content),
      }),
    );
  }

  /** As OpenAI streams: a role chunk, content pieces, then per tool call its id and name, then its argument pieces. */
  private stream(body: ReceivedRequest['body'], reply: Extract<FakeBehaviour, { type: 'reply' }>, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sse(this.chunk(body, { role: 'assistant', content: reply.content === null ? null : '' }, null, reply.model)));
    const pieces = reply.content === null ? [] : (reply.chunks ?? reply.content.split(/(?<= )/));
    pieces.forEach((content, i) => res.write(sse(this.chunk(body, { content }, null, reply.model, i === 0 ? reply.logprobs : undefined))));
    (reply.toolCalls ?? []).forEach((call, index) => {
      const start = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      res.write(sse(this.chunk(body, { tool_calls: [start] }, null, reply.model)));
      for (const piece of call.argumentChunks ?? [call.arguments]) {
        res.write(sse(this.chunk(body, { tool_calls: [{ index, function: { arguments: piece } }] }, null, reply.model)));
      }
    });
    res.write(sse(this.chunk(body, {}, finishReasonOf(reply), reply.model)));
    if (body.stream_options?.include_usage === true) {
      res.write(sse({ ...this.chunk(body, {}, null, reply.model), choices: [], usage: reply.usage ?? usageFor(body, reply.content) }));
    }
    res.end(sse('[DONE]'));
  }

  private chunk(body: ReceivedRequest['body'], delta: object, finishReason: string | null, model?: string, logprobs?: unknown) {
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: model ?? body.model,
      choices: [{ index: 0, delta, logprobs: logprobs ?? null, finish_reason: finishReason }],
    };
  }
}
