import type { Library } from '../library/types.js';
import { newcombe } from './lift-interval.js';
import type { ModelCalls } from './model-calls.js';
import { SampleVerdictOutput, type SampleVerdict } from './output-schemas.js';
import type { Prompts } from './prompts.js';
import type { NoteUnderTest, StudentServer } from './student.js';
import { numberedTranscript, policySection } from './transcript-text.js';
import type { DecisionPoint, LiftMeasurement, RetestRound } from './types.js';

/** A state the note is measured on, with the teacher's move there. */
export interface MeasuredState {
  point: Pick<DecisionPoint, 'key' | 'state' | 'tools' | 'teacherReply'>;
  /** A state the note was written from (it must be retrieved there), or a held-out sibling. */
  source: boolean;
}

/** Sampled results of the "without" arm by state: the same whatever the note says, so kept across refinements. */
export type Baseline = Record<string, { passed: number; n: number }>;

export interface AcceptanceContext {
  calls: ModelCalls;
  prompts: Prompts;
  library: Library;
  student: StudentServer;
  samples: number;
  seed: number;
  minLift: number;
}

/** Sample i of a state is seeded `seed + 100 + i`, in both arms, so the arms differ only by the note. */
const SAMPLE_SEED_OFFSET = 100;
const MISSES_KEPT = 3;

async function matches(ctx: AcceptanceContext, point: MeasuredState['point'], reply: string): Promise<SampleVerdict> {
  return ctx.calls.structured<SampleVerdict>(
    'sample_verdict',
    SampleVerdictOutput,
    [
      { role: 'system', content: ctx.prompts.judge.text },
      {
        role: 'user',
        content: [
          policySection(ctx.library.policy),
          `# Conversation so far (the agent replies next)\n${numberedTranscript(point.state) || '(nothing yet)'}`,
          `# The expert's move\n${point.teacherReply}`,
          `# The agent's move\n${reply}`,
        ].join('\n\n'),
      },
    ],
    undefined,
    'judge',
  );
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The note's lift for the job's student: each state sampled `samples` times served through the
 * retriever and composer with the note in the library and without it, each reply judged against
 * the teacher's move. Accepted only when the interval's lower bound is above min_lift and the note
 * was retrieved (composed) in every source state.
 */
export async function measureLift(ctx: AcceptanceContext, note: NoteUnderTest, states: MeasuredState[], baseline: Baseline): Promise<{ lift: LiftMeasurement; misses: RetestRound['misses'] }> {
  const perState: LiftMeasurement['per_state'] = [];
  const misses: RetestRound['misses'] = [];
  for (const { point, source } of states) {
    let passedWith = 0;
    const ranks: number[] = [];
    for (let i = 0; i < ctx.samples; i++) {
      const reply = await ctx.student.reply(ctx.calls, ctx.library, point.state, { note: { under: note, arm: 'with' }, tools: point.tools, seed: ctx.seed + SAMPLE_SEED_OFFSET + i });
      if (reply.rank != null) ranks.push(reply.rank);
      const verdict = await matches(ctx, point, reply.content);
      if (verdict.matches) passedWith++;
      else if (misses.length < MISSES_KEPT) misses.push({ state: point.key, reply: reply.content, explanation: verdict.explanation });
    }
    const rank = median(ranks);
    if (baseline[point.key] === undefined) {
      let passed = 0;
      for (let i = 0; i < ctx.samples; i++) {
        const reply = await ctx.student.reply(ctx.calls, ctx.library, point.state, { note: { under: note, arm: 'without' }, tools: point.tools, seed: ctx.seed + SAMPLE_SEED_OFFSET + i });
        if ((await matches(ctx, point, reply.content)).matches) passed++;
      }
      baseline[point.key] = { passed, n: ctx.samples };
    }
    perState.push({ key: point.key, source, rank, passed_with: passedWith, passed_without: baseline[point.key]!.passed, n: ctx.samples });
  }
  const sum = (pick: (s: LiftMeasurement['per_state'][number]) => number) => perState.reduce((total, s) => total + pick(s), 0);
  const n = sum((s) => s.n);
  const passedWith = sum((s) => s.passed_with);
  const passedWithout = sum((s) => s.passed_without);
  const interval = newcombe(passedWith, n, passedWithout, n);
  const ranks = perState.flatMap((s) => (s.rank === null ? [] : [s.rank]));
  const retrieved = perState.filter((s) => s.source).every((s) => s.rank !== null);
  const lift = n === 0 ? 0 : Math.round(((passedWith - passedWithout) / n) * 1e4) / 1e4;
  return {
    lift: {
      student_model: ctx.calls.modelName('student'),
      judge_model: ctx.calls.modelName('judge'),
      passed_with: passedWith,
      n_with: n,
      passed_without: passedWithout,
      n_without: n,
      lift,
      interval,
      min_lift: ctx.minLift,
      states: perState.length,
      retrieved_states: ranks.length,
      best_rank: ranks.length === 0 ? null : Math.min(...ranks),
      median_rank: median(ranks),
      retrieved,
      accepted: retrieved && interval[0] > ctx.minLift,
      per_state: perState,
    },
    misses,
  };
}
