import type http from 'node:http';
import { LocalServer } from './local-server.js';

/**
 * A scripted OpenAI-compatible server for teacher jobs: requests are routed by `model` to the
 * teacher, student, customer or judge, and the teacher's by the `response_format` schema name, so each
 * test says how every role behaves. Faults (statuses, hangs, bad JSON) can be queued per route.
 */
export type Role = 'teacher' | 'student' | 'customer' | 'judge';
export const MODELS: Record<Exclude<Role, 'judge'>, string> = { teacher: 'teacher-model', student: 'student-model', customer: 'customer-model' };
/** The evaluation's judge, when a test configures one apart from the teacher. */
export const JUDGE_MODEL = 'judge-model';

export interface LlmRequest {
  role: Role;
  /** The model asked for: one of MODELS, or an alias of a role. */
  model: string;
  /** The teacher's response_format schema name; '' for plain text calls. */
  schema: string;
  messages: { role: string; content: string }[];
  /** The names of the tools offered, if any. */
  tools: string[];
  /** The sampling seed sent, if any (the evaluation seeds every agent and customer call). */
  seed?: number;
  closedEarly: boolean;
  closed: Promise<void>;
}

export type Answer =
  | { content: string }
  /** A turn of tool calls only. */
  | { toolCalls: { id: string; name: string; arguments: string }[] }
  | { json: unknown }
  | { status: number; retryAfterMs?: number }
  /** Never answers; the request stays open until the client gives up. */
  | { hang: true };

export type Handler = (request: LlmRequest) => Answer;

interface Teardown {
  teardown(fn: () => unknown): void;
}

const ROLE_OF: Record<string, Role> = { ...Object.fromEntries(Object.entries(MODELS).map(([role, model]) => [model, role as Role])), [JUDGE_MODEL]: 'judge' };

export class FakeLlm {
  readonly requests: LlmRequest[] = [];
  readonly handlers = new Map<string, Handler>();
  private readonly roles = new Map<string, Role>(Object.entries(ROLE_OF));
  private readonly faults = new Map<string, Answer[]>();
  private server!: LocalServer;

  static async start(t: Teardown): Promise<FakeLlm> {
    const fake = new FakeLlm();
    fake.server = await LocalServer.start((req, res, body) => fake.handle(req, res, body));
    t.teardown(() => fake.close());
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** Environment for the three roles, with short timeouts and quick retries. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    const role = (prefix: string, model: string) => ({ [`${prefix}_BASE_URL`]: this.baseUrl, [`${prefix}_MODEL`]: model, [`${prefix}_API_KEY`]: 'fake' });
    return {
      ...role('TEACHER', MODELS.teacher),
      ...role('STUDENT', MODELS.student),
      ...role('CUSTOMER', MODELS.customer),
      TEACHER_TIMEOUT_MS: '5000',
      TEACHER_MAX_RETRIES: '2',
      STUDENT_TIMEOUT_MS: '5000',
      STUDENT_MAX_RETRIES: '0',
      CUSTOMER_TIMEOUT_MS: '5000',
      CUSTOMER_MAX_RETRIES: '0',
      ...overrides,
    };
  }

  /** Requests for `model` are routed to `role`'s handlers (another model on the same endpoint). */
  alias(model: string, role: Role): this {
    this.roles.set(model, role);
    return this;
  }

  /** How `route` (a role, or `teacher:<schema>`) answers from now on. */
  on(route: string, handler: Handler): this {
    this.handlers.set(route, handler);
    return this;
  }

  /** Answers given to the next requests of `route`, before its handler is used again. */
  fault(route: string, ...answers: Answer[]): this {
    this.faults.set(route, [...(this.faults.get(route) ?? []), ...answers]);
    return this;
  }

  count(route: string): number {
    return this.requests.filter((r) => (route.includes(':') ? `${r.role}:${r.schema}` === route : r.role === route)).length;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private handle(_req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const body = JSON.parse(raw || '{}') as {
      model?: string;
      messages?: LlmRequest['messages'];
      tools?: { function: { name: string } }[];
      seed?: number;
      response_format?: { json_schema?: { name?: string } };
    };
    const role = this.roles.get(body.model ?? '');
    if (role === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `unknown model ${body.model}` } }));
      return;
    }
    let closed!: () => void;
    const request: LlmRequest = {
      role,
      model: body.model!,
      schema: body.response_format?.json_schema?.name ?? '',
      messages: body.messages ?? [],
      tools: (body.tools ?? []).map((tool) => tool.function.name),
      seed: body.seed,
      closedEarly: false,
      closed: new Promise<void>((resolve) => (closed = resolve)),
    };
    res.on('close', () => {
      request.closedEarly = !res.writableFinished;
      closed();
    });
    this.requests.push(request);
    const route = request.schema === '' ? role : `${role}:${request.schema}`;
    const queued = this.faults.get(route)?.shift() ?? this.faults.get(role)?.shift();
    const handler = this.handlers.get(route) ?? this.handlers.get(role);
    const answer = queued ?? handler?.(request) ?? { status: 500 };
    this.respond(body.model!, answer, res);
  }

  private respond(model: string, answer: Answer, res: http.ServerResponse): void {
    if ('hang' in answer) return;
    if ('status' in answer) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfterMs !== undefined) headers['retry-after-ms'] = String(answer.retryAfterMs);
      res.writeHead(answer.status, headers).end(JSON.stringify({ error: { message: `scripted ${answer.status}`, type: 'server_error' } }));
      return;
    }
    const message =
      'toolCalls' in answer
        ? { role: 'assistant', content: null, refusal: null, tool_calls: answer.toolCalls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })) }
        : { role: 'assistant', content: 'json' in answer ? JSON.stringify(answer.json) : answer.content, refusal: null };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: 'toolCalls' in answer ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
      }),
    );
  }
}

// ---- A scripted support desk: a student that skips identity verification unless coached ----

export const VERIFY_CLAUSE = "Verify the customer's identity (full name and order number) before discussing or changing any order.";
export const POLICY = `${VERIFY_CLAUSE} Refunds are only possible within 30 days of delivery.`;
export const VERIFIED_REPLY = 'Before I can help, please confirm your full name and order number.';
export const SKIPPING_REPLY = 'Sure, that is done for you now.';

/** The entry the teacher writes for each kind of request, told apart by the customer's words. */
export const ENTRIES = {
  cancel: {
    scenario: 'Customer asks to cancel an order before their identity has been verified',
    guidance: 'First ask for the full name and order number and check them. Only then cancel. Never cancel anything before verification.',
  },
  address: {
    scenario: 'Shopper wants the delivery address of a parcel changed; no verification done yet',
    guidance: 'First ask for the full name and order number and check them. Only then update the address. Never change it before verification.',
  },
};

/** What the teacher was given: the first user message (a repair request comes after it). */
export const context = (request: LlmRequest) => request.messages.find((m) => m.role === 'user')?.content ?? '';
const system = (request: LlmRequest) => request.messages.find((m) => m.role === 'system')?.content ?? '';
const entryFor = (text: string) => (/address/i.test(text) ? ENTRIES.address : ENTRIES.cancel);

/** The agent turns of a numbered transcript the teacher was given: `[3] agent: ...`. */
function agentTurns(text: string): { turn: number; content: string }[] {
  return [...text.matchAll(/^\[(\d+)\] agent: (.*)$/gm)].map((m) => ({ turn: Number(m[1]), content: m[2]! }));
}

/** The state a judge was shown: the conversation before the agent's move. */
export const judgedState = (request: LlmRequest) => (context(request).split("# The agent's move")[0] ?? '');
/** The agent's move a judge was shown (after its heading, up to the next one). */
export const judgedMove = (request: LlmRequest) => {
  const text = context(request);
  const at = text.indexOf("# The agent's move\n");
  return at === -1 ? '' : text.slice(at + "# The agent's move\n".length).split('\n\n# ')[0]!;
};
/** The kind of state, as the judge describes it: one per kind of request. */
export const situationOf = (text: string) => (/address/i.test(text) ? 'Address change requested, identity not verified' : 'Cancellation requested, identity not verified');

/** The judge's calls route to the judge when JUDGE_* is configured, else to the teacher: both are scripted alike. */
export function onJudge(fake: FakeLlm, schema: string, handler: Handler): FakeLlm {
  return fake.on(`teacher:${schema}`, handler).on(`judge:${schema}`, handler);
}

export function scriptSupportDesk(fake: FakeLlm): FakeLlm {
  onJudge(fake, 'turn_verdict', (request) => {
    const verified = judgedMove(request).includes('full name');
    return {
      json: {
        shortfall: !verified,
        kinds: verified ? [] : ['missed_step'],
        explanation: verified ? 'fine' : 'changed the order without verifying identity',
        situation: situationOf(judgedState(request)),
      },
    };
  });
  onJudge(fake, 'sample_verdict', (request) => ({ json: { matches: judgedMove(request).includes('full name'), explanation: 'verification first?' } }));
  return fake
    .on('customer', (request) => ({ content: request.messages.length <= 2 ? 'Hi, please cancel my order.' : 'Thanks, bye. [END]' }))
    // Follows a coaching note about verification, never the policy alone: the shortfall to find.
    .on('student', (request) => {
      const notes = system(request).split('<coaching_notes>')[1] ?? '';
      return { content: /full name and order number/.test(notes) ? VERIFIED_REPLY : SKIPPING_REPLY };
    })
    // The teacher as the agent, at any state.
    .on('teacher', () => ({ content: VERIFIED_REPLY }))
    .on('teacher:decision_points', (request) => ({
      json: {
        decision_points: agentTurns(context(request)).map(({ turn }) => ({
          turn,
          teacher_reply: VERIFIED_REPLY,
          shortfall: true,
          kinds: ['missed_step'],
          explanation: 'acted before verifying identity',
        })),
      },
    }))
    .on('teacher:guidance_entry', (request) => ({
      json: { ...entryFor(context(request)), policy_refs: [VERIFY_CLAUSE], tags: ['identity'], rationale: 'The agent acted before verifying identity.' },
    }))
    .on('teacher:refined_entry', (request) => ({
      json: { ...entryFor(context(request)), policy_refs: [VERIFY_CLAUSE], tags: ['identity'], rationale: 'Made the first step explicit.' },
    }))
    .on('teacher:merged_entry', (request) => ({
      json: {
        ...entryFor(context(request)),
        guidance: `Be polite. ${entryFor(context(request)).guidance}`,
        policy_refs: [VERIFY_CLAUSE],
        tags: ['identity'],
        rationale: 'Kept the courtesy step and added verification first.',
      },
    }))
    .on('teacher:policy_check', () => ({ json: { conflict: false, clauses: [], explanation: 'consistent with the policy' } }))
    .on('teacher:scenarios', (request) => {
      const count = Number(/# Number of scenarios\n(\d+)/.exec(context(request))?.[1] ?? 1);
      const kinds = ['cancel', 'address'];
      return {
        json: {
          scenarios: Array.from({ length: count }, (_, i) => ({
            id: `generated-${i}`,
            description: `A customer with a ${kinds[i % 2]} request`,
            customer_goal: `get the ${kinds[i % 2]} request done`,
            persona: 'hurried',
            opening: kinds[i % 2] === 'cancel' ? 'Cancel my order please.' : 'Change my delivery address please.',
          })),
        },
      };
    });
}
