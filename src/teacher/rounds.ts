import type { ModelPrice } from '../config.js';
import type { Db } from '../db/db.js';
import { contrastTurns } from './contrast.js';
import type { ElicitContext } from './elicit.js';
import type { StopReason } from './held-step.js';
import { jobSpend } from './job-models.js';
import { wilson } from './lift-interval.js';
import { simulate } from './simulate.js';
import type { EvaluateInput, StepInput, StepKind } from './types.js';

/** One point of the learning curve: the validation failure rate after a round, and what the round cost. */
export interface CurvePoint {
  round: number;
  /** Validation conversations (scenario × rollout) with at least one shortfall, of n. */
  failures: number;
  n: number;
  failure_rate: number;
  interval: [number, number];
  /** The kinds of state where the student still fell short. */
  failing: string[];
  /** Notes of this round accepted (lift shown) and not. */
  accepted: number;
  rejected: number;
  tokens: number;
  cost_usd: number;
  /** Used by the whole job up to the end of this round. */
  total_tokens: number;
  total_cost_usd: number;
}

export interface RoundCheckpoint {
  /** Per validation conversation (`<scenario>/<rollout>`): the situations it fell short in (empty: none). */
  conversations?: Record<string, string[]>;
}

interface RoundContext extends ElicitContext {
  db: Db;
  prices: Record<string, ModelPrice>;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** The policy's sentences no entry of the library relies on (quotes in policy_refs). */
async function untouchedSections(ctx: RoundContext): Promise<string[]> {
  const rows = await ctx.db.query<{ ref: string }>(
    "SELECT DISTINCT unnest(policy_refs) AS ref FROM guidance_entries WHERE library_id = $1 AND status <> 'retired'",
    [ctx.library.id],
  );
  const quoted = rows.map((r) => r.ref.toLowerCase().trim());
  return (ctx.library.policy.match(/[^.!?]+[.!?]?/g) ?? [])
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !quoted.some((q) => q.includes(s.toLowerCase()) || s.toLowerCase().includes(q)));
}

/**
 * After a round (round 0: before any), the student's failure rate on the fixed validation set with
 * the library as it now is, added to the job's learning curve; then the next round: round 0 starts
 * the job's own scenarios, a later round generates scenarios aimed at the states that still fail
 * and at untouched policy sections, unless the job stops here (max_rounds, min_gain, no failures).
 */
export async function evaluateRound(ctx: RoundContext, input: EvaluateInput, cp: RoundCheckpoint, save: () => Promise<void>): Promise<{ next: { kind: StepKind; input: StepInput }[]; stop?: StopReason }> {
  cp.conversations ??= {};
  for (const scenario of input.validation) {
    for (let rollout = 0; rollout < ctx.options.rollouts; rollout++) {
      const key = `${scenario.id}/${rollout}`;
      if (cp.conversations[key] !== undefined) continue;
      const played = await simulate(ctx.calls, ctx.student, ctx.library, ctx.prompts.customer, scenario, ctx.options.max_turns, ctx.options.seed + rollout);
      const { points } = await contrastTurns(ctx.calls, ctx.prompts, ctx.library, `validation:${scenario.id}`, rollout, played.messages);
      cp.conversations[key] = points.filter((p) => p.shortfall).map((p) => p.situation ?? p.explanation);
      await save();
    }
  }
  const conversations = Object.values(cp.conversations);
  const failures = conversations.filter((c) => c.length > 0).length;
  const failing = [...new Set(conversations.flat())];
  const spent = await jobSpend(ctx.db, ctx.job.id, ctx.prices);
  const [row] = await ctx.db.query<{ report: { curve?: CurvePoint[] } }>('SELECT report FROM teacher_jobs WHERE id = $1', [ctx.job.id]);
  const curve = (row!.report.curve ?? []).filter((p) => p.round < input.round);
  const before = curve.at(-1);
  const [verdicts] = await ctx.db.query<{ accepted: number; rejected: number }>(
    `SELECT count(*) FILTER (WHERE retest_passed)::int AS accepted, count(*) FILTER (WHERE NOT retest_passed)::int AS rejected
     FROM teacher_evidence WHERE job_id = $1 AND (evidence->>'round')::int = $2`,
    [ctx.job.id, input.round],
  );
  const point: CurvePoint = {
    round: input.round,
    failures,
    n: conversations.length,
    failure_rate: conversations.length === 0 ? 0 : round4(failures / conversations.length),
    interval: wilson(failures, conversations.length).map(round4) as [number, number],
    failing,
    accepted: verdicts!.accepted,
    rejected: verdicts!.rejected,
    tokens: spent.tokens - (before?.total_tokens ?? 0),
    cost_usd: round4(spent.cost_usd - (before?.total_cost_usd ?? 0)),
    total_tokens: spent.tokens,
    total_cost_usd: spent.cost_usd,
  };
  await ctx.db.query("UPDATE teacher_jobs SET report = report || jsonb_build_object('curve', $2::jsonb) WHERE id = $1", [ctx.job.id, JSON.stringify([...curve, point])]);
  if (input.round === 0) return { next: input.first ?? [] };
  if (failures === 0) return { next: [], stop: 'no_failures' };
  if (input.round >= ctx.options.max_rounds) return { next: [], stop: 'max_rounds' };
  if (before !== undefined && before.failure_rate - point.failure_rate < ctx.options.min_gain) return { next: [], stop: 'min_gain' };
  const aim = { round: input.round + 1, failing, untouched: await untouchedSections(ctx) };
  return { next: [{ kind: 'generate', input: { count: input.count, aim } }] };
}
