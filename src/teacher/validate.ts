import type { Db } from '../db/db.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { ChatMessage } from '../messages.js';
import { measureLift, type Baseline, type MeasuredState } from './acceptance.js';
import { teacherMove } from './contrast.js';
import type { ElicitContext } from './elicit.js';
import type { LiftMeasurement } from './types.js';

export interface ValidateCheckpoint {
  states?: MeasuredState[];
  lift?: LiftMeasurement;
}

interface StoredState {
  key: string;
  state: ChatMessage[];
}

/**
 * The states an entry was written from and measured on (its teacher evidence); for an entry people
 * wrote, its examples (or its scenario) as what a customer said.
 */
async function entryStates(db: Db, entryId: string, examples: string[], scenario: string): Promise<StoredState[]> {
  const rows = await db.query<{ states: StoredState[] | null; siblings: StoredState[] | null }>(
    "SELECT evidence->'states' AS states, evidence->'siblings' AS siblings FROM teacher_evidence WHERE entry_id = $1 ORDER BY created_at",
    [entryId],
  );
  const stored = rows.flatMap((r) => [...(r.states ?? []), ...(r.siblings ?? [])]);
  if (stored.length > 0) return [...new Map(stored.map((s) => [s.key, s])).values()];
  const said = examples.length > 0 ? examples : [scenario];
  return said.map((text, i) => ({ key: `example-${i}`, state: [{ role: 'user', content: text }] }));
}

/**
 * A `validate` job's step: the lift of one approved entry re-measured for the job's student model
 * (with the entry served as it is, against the library without it), written as that model's
 * evidence. The teacher's move at each state is asked again, knowing only the state.
 */
export async function validateEntry(ctx: ElicitContext, db: Db, store: GuidanceStore, entryId: string, cp: ValidateCheckpoint, save: () => Promise<void>): Promise<void> {
  const entry = await store.get(ctx.library.id, entryId);
  if (cp.states === undefined) {
    const states = await entryStates(db, entryId, entry.examples, entry.scenario);
    cp.states = [];
    for (const { key, state } of states) cp.states.push({ point: { key, state, teacherReply: await teacherMove(ctx.calls, ctx.prompts, ctx.library, state) }, source: true });
    await save();
  }
  if (cp.lift === undefined) {
    const baseline: Baseline = {};
    const acceptance = { calls: ctx.calls, prompts: ctx.prompts, library: ctx.library, student: ctx.student, samples: ctx.options.samples, seed: ctx.options.seed, minLift: ctx.options.min_lift };
    cp.lift = (await measureLift(acceptance, { entryId }, cp.states, baseline)).lift;
    await save();
  }
  await ctx.writer.recordLift(ctx.library, ctx.job.id, `validate:${entryId}`, { entryId, version: entry.version }, cp.lift);
}
