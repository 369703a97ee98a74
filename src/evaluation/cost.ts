import type { ModelPrice } from '../config.js';

/**
 * What serving an arm costs, and when building a library pays for itself: shared by eval:dialogue
 * and eval:tau. Prices are MODEL_PRICES (USD per million tokens); a model without a price has a
 * cost of null, never 0, so that an unknown price cannot make an arm look free.
 */
export interface TokenCount {
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
}

export function priceOf(usage: TokenCount, prices: Record<string, ModelPrice>): number | null {
  const price = prices[usage.model];
  if (price === undefined) return null;
  return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1_000_000;
}

const sumOrNull = (values: (number | null)[]): number | null => (values.includes(null) ? null : (values as number[]).reduce((a, b) => a + b, 0));

export interface ArmCost {
  agent_model: string;
  conversations: number;
  prompt_tokens_per_conversation: number;
  completion_tokens_per_conversation: number;
  cost_usd_per_conversation: number | null;
  /** Conversations that resolved the task (eval:dialogue: judge resolution ≥ --resolved-at; eval:tau: reward 1). */
  resolved: number;
  /** Total agent cost over resolved conversations; null without a price or without a resolved conversation. */
  cost_usd_per_resolved: number | null;
}

/** One conversation's agent tokens, and whether it resolved its task. */
export interface ServedConversation {
  usage: TokenCount;
  resolved: boolean;
}

export function armCost(conversations: ServedConversation[], prices: Record<string, ModelPrice>): ArmCost {
  const n = conversations.length;
  const total = sumOrNull(conversations.map((c) => priceOf(c.usage, prices)));
  const resolved = conversations.filter((c) => c.resolved).length;
  return {
    agent_model: conversations[0]?.usage.model ?? '',
    conversations: n,
    prompt_tokens_per_conversation: conversations.reduce((s, c) => s + c.usage.prompt_tokens, 0) / n,
    completion_tokens_per_conversation: conversations.reduce((s, c) => s + c.usage.completion_tokens, 0) / n,
    cost_usd_per_conversation: total === null ? null : total / n,
    resolved,
    cost_usd_per_resolved: total === null || resolved === 0 ? null : total / resolved,
  };
}

/** The teacher jobs' usage per role (GET /v1/jobs/{id}), as Coach reports it. */
export interface JobUsage {
  id: string;
  usage: Record<string, TokenCount>;
}

export interface BuildCost {
  jobs: string[];
  /** Per role (teacher, student, customer), summed over the jobs, each role's model priced on its own. */
  by_role: Record<string, { models: string[]; prompt_tokens: number; completion_tokens: number; cost_usd: number | null }>;
  /** The teacher role's tokens: the expensive model's share of building the library. */
  teacher_tokens: number;
  tokens: number;
  cost_usd: number | null;
}

/** What building the library cost once: every token of every job that wrote one of its entries. */
export function buildCost(jobs: JobUsage[], prices: Record<string, ModelPrice>): BuildCost {
  const byRole: BuildCost['by_role'] = {};
  for (const job of jobs) {
    for (const [role, usage] of Object.entries(job.usage)) {
      const entry = (byRole[role] ??= { models: [], prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 });
      if (!entry.models.includes(usage.model)) entry.models.push(usage.model);
      entry.prompt_tokens += usage.prompt_tokens;
      entry.completion_tokens += usage.completion_tokens;
      // A role that made no call costs nothing, even when its model has no price.
      const cost = usage.prompt_tokens + usage.completion_tokens === 0 ? 0 : priceOf(usage, prices);
      entry.cost_usd = entry.cost_usd === null || cost === null ? null : entry.cost_usd + cost;
    }
  }
  const roles = Object.values(byRole);
  return {
    jobs: jobs.map((j) => j.id),
    by_role: byRole,
    teacher_tokens: (byRole.teacher?.prompt_tokens ?? 0) + (byRole.teacher?.completion_tokens ?? 0),
    tokens: roles.reduce((s, r) => s + r.prompt_tokens + r.completion_tokens, 0),
    cost_usd: sumOrNull(roles.map((r) => r.cost_usd)),
  };
}

/** A library's build cost, or why it cannot be known (a curated library, a key that cannot read jobs). */
export type LibraryBuild = BuildCost | { unavailable: string };

export type BreakEven =
  | { conversations: number; build_cost_usd: number; coach_cost_usd_per_conversation: number; teacher_cost_usd_per_conversation: number }
  | { conversations: null; reason: string };

/**
 * The number of conversations N after which serving coach (the library built once, then the
 * student per conversation) is cheaper than serving the teacher: the smallest N with
 * build + N × coach < N × teacher, i.e. ⌊build / (teacher − coach)⌋ + 1.
 */
export function breakEven(build: number | null, coach: number | null, teacher: number | null): BreakEven {
  if (build === null) return { conversations: null, reason: 'a model of the library\'s teacher jobs has no price in MODEL_PRICES' };
  if (coach === null || teacher === null) return { conversations: null, reason: `the ${coach === null ? 'coach' : 'teacher'} arm's agent model has no price in MODEL_PRICES` };
  if (teacher <= coach) return { conversations: null, reason: 'a coach conversation costs no less than a teacher conversation: coach never becomes cheaper' };
  // The tolerance keeps a quotient that is a whole number in exact arithmetic from rounding down.
  const conversations = Math.floor(build / (teacher - coach) + 1e-9) + 1;
  return { conversations, build_cost_usd: build, coach_cost_usd_per_conversation: coach, teacher_cost_usd_per_conversation: teacher };
}

/** The break-even of a report: needs the build cost and both the coach and the teacher arms. */
export function libraryBreakEven(build: LibraryBuild, coach: ArmCost | undefined, teacher: ArmCost | undefined): BreakEven {
  if ('unavailable' in build) return { conversations: null, reason: build.unavailable };
  const missing = [coach === undefined ? 'coach' : '', teacher === undefined ? 'teacher' : ''].filter((arm) => arm !== '');
  if (missing.length > 0) return { conversations: null, reason: `the ${missing.join(' and ')} arm${missing.length > 1 ? 's were' : ' was'} not run` };
  return breakEven(build.cost_usd, coach!.cost_usd_per_conversation, teacher!.cost_usd_per_conversation);
}
