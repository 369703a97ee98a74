import type http from 'node:http';
import { LocalServer } from './local-server.js';

/** What an OpenAI-compatible client sent to /v1/chat/completions. */
export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: unknown[];
  seed?: number;
  temperature?: number;
}

export interface ScriptedCall {
  name: string;
  /** An object is sent as its JSON; a string is sent as is (to send arguments that are not JSON). */
  arguments: Record<string, unknown> | string;
}

/** A model's answer: text, function calls, or an HTTP failure. */
export type ChatReply = { content?: string | null; calls?: ScriptedCall[] } | { status: number };

export type ChatHandler = (request: ChatRequest) => ChatReply;

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * An OpenAI-compatible chat server on 127.0.0.1 that answers with function calls as well as text,
 * routed by `model` to a scripted handler, recording every request. Usage is fixed per call (100
 * prompt + 10 completion tokens) so token totals are countable.
 */
export class FakeChatServer {
  readonly requests: ChatRequest[] = [];
  private server!: LocalServer;

  private constructor(private readonly handlers: Record<string, ChatHandler>) {}

  static async start(t: Teardown, handlers: Record<string, ChatHandler>): Promise<FakeChatServer> {
    const fake = new FakeChatServer(handlers);
    fake.server = await LocalServer.start((req, res, body) => fake.handle(req, res, body));
    t.teardown(() => fake.server.close());
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  of(model: string): ChatRequest[] {
    return this.requests.filter((r) => r.model === model);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const request = JSON.parse(raw || '{}') as ChatRequest;
    this.requests.push(request);
    const handler = req.url === '/v1/chat/completions' ? this.handlers[request.model] : undefined;
    const reply: ChatReply = handler === undefined ? { status: 404 } : handler(request);
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `scripted ${reply.status}`, type: 'server_error' } }));
      return;
    }
    const toolCalls = (reply.calls ?? []).map((call, i) => ({
      id: `call_${this.requests.length}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const message = { role: 'assistant', content: reply.content ?? null, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
      }),
    );
  }
}
