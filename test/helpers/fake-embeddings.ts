import type http from 'node:http';
import { LocalServer } from './local-server.js';
import { LocalEmbedder } from '../../src/retrieval/local-embedder.js';

/** What the fake does with one request. */
export type EmbeddingsBehaviour =
  | { type: 'ok' }
  | { type: 'error'; status: number; retryAfterMs?: number; retryAfterSeconds?: number }
  /** Vectors of another length than the configured one. */
  | { type: 'dimension'; dimension: number }
  | { type: 'slow'; delayMs: number };

export interface EmbeddingsRequest {
  body: { model?: string; input?: string[] | string; encoding_format?: string; [key: string]: unknown };
  inputs: string[];
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * An OpenAI-compatible embeddings server on 127.0.0.1 for tests. POST /v1/embeddings answers with
 * deterministic vectors (the local hashing embedder's, so retrieval through it is meaningful), in
 * reverse order with their indexes (clients must sort). Follows a script of behaviours, then a
 * default; can hold requests until released, to look at a job in the middle.
 */
export class FakeEmbeddings {
  readonly requests: EmbeddingsRequest[] = [];
  private readonly queue: EmbeddingsBehaviour[] = [];
  private fallback: EmbeddingsBehaviour = { type: 'ok' };
  private permits = Infinity;
  private readonly held: (() => void)[] = [];
  private readonly waiters: { count: number; resolve: () => void }[] = [];
  private readonly embedder: LocalEmbedder;
  private server!: LocalServer;

  private constructor(readonly dimension: number) {
    this.embedder = new LocalEmbedder({ dimension });
  }

  static async start(t: Teardown, dimension = 256): Promise<FakeEmbeddings> {
    const fake = new FakeEmbeddings(dimension);
    fake.server = await LocalServer.start((req, res, body) => fake.handle(req, res, body));
    t.teardown(() => fake.close());
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** The environment of an app whose embedder is this server. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { EMBEDDER: 'openai', EMBEDDINGS_BASE_URL: this.baseUrl, EMBEDDINGS_MODEL: 'fake-embed', EMBEDDINGS_DIMENSIONS: String(this.dimension), ...extra };
  }

  /** Behaviours for the next requests, in order. */
  script(...behaviours: EmbeddingsBehaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** What every request gets once the script is used up. */
  otherwise(behaviour: EmbeddingsBehaviour): this {
    this.fallback = behaviour;
    return this;
  }

  /** Answers no request until `allow` or `open`. */
  hold(): this {
    this.permits = 0;
    return this;
  }

  /** Lets `count` more requests through (held ones first). */
  allow(count: number): void {
    this.permits += count;
    while (this.permits > 0 && this.held.length > 0) {
      this.permits--;
      this.held.shift()!();
    }
  }

  open(): void {
    this.allow(Infinity);
  }

  /** Resolves once `count` requests in total have arrived (answered or held). */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    const body = JSON.parse(raw) as EmbeddingsRequest['body'];
    const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
    this.requests.push({ body, inputs });
    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const behaviour = this.queue.shift() ?? this.fallback;
    const answer = () => this.respond(behaviour, body, inputs, res);
    if (this.permits > 0) {
      this.permits--;
      answer();
    } else this.held.push(answer);
  }

  private respond(behaviour: EmbeddingsBehaviour, body: EmbeddingsRequest['body'], inputs: string[], res: http.ServerResponse): void {
    if (behaviour.type === 'error') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
      if (behaviour.retryAfterSeconds !== undefined) headers['retry-after'] = String(behaviour.retryAfterSeconds);
      res.writeHead(behaviour.status, headers).end(JSON.stringify({ error: { message: `fake failure ${behaviour.status}`, type: 'server_error' } }));
      return;
    }
    const dimension = behaviour.type === 'dimension' ? behaviour.dimension : this.dimension;
    const vectors = inputs.map((text) => this.vector(text, dimension));
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse();
    const send = () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ object: 'list', model: body.model, data, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }),
      );
    if (behaviour.type !== 'slow') {
      send();
      return;
    }
    const timer = setTimeout(send, behaviour.delayMs);
    res.on('close', () => clearTimeout(timer));
  }

  /** The local embedder's vector, scaled (clients normalise), or padded/cut to a wrong dimension. */
  private vector(text: string, dimension: number): number[] {
    const base = this.embedder.embedOne(text).map((x) => x * 3);
    return Array.from({ length: dimension }, (_, i) => base[i] ?? 0.01);
  }
}
