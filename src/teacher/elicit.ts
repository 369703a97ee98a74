import type { GuidanceEntry, Library } from '../library/types.js';
import { measureLift, type Baseline, type MeasuredState } from './acceptance.js';
import { entryProblems } from './entry-checks.js';
import { stateExamples } from './groups.js';
import type { LibraryWriter, WritingJob } from './library-writer.js';
import type { ModelCalls } from './model-calls.js';
import { EntryOutput, PolicyCheckOutput, type EntryText, type PolicyCheck } from './output-schemas.js';
import type { Prompts } from './prompts.js';
import type { NoteUnderTest, StudentServer } from './student.js';
import { numberedTranscript, policySection } from './transcript-text.js';
import { mergeExamples } from '../library/guidance-revisions.js';
import type { DecisionGroup, DecisionOutcome, DecisionPoint, EntryDraft, JobOptions, PolicyVerdict, RetestRound, WrittenEntry } from './types.js';

export interface ElicitContext {
  calls: ModelCalls;
  prompts: Prompts;
  library: Library;
  options: JobOptions;
  student: StudentServer;
  writer: LibraryWriter;
  job: WritingJob;
}

/** A group's progress, saved after every phase (part of the step's checkpoint). */
export interface GroupCheckpoint {
  draft?: EntryDraft;
  written?: WrittenEntry;
  rounds?: RetestRound[];
  /** The round count a refinement was already written for. */
  refinedAt?: number;
  baseline?: Baseline;
  policy?: PolicyVerdict;
  outcome?: DecisionOutcome;
  concluded?: WrittenEntry;
}

// The teacher sees a few states of a group; more would crowd its prompt without teaching it more.
const STATES_SHOWN = 4;

function pointSection(point: DecisionPoint): string {
  return [
    `## Conversation so far (the agent replies next)\n${numberedTranscript(point.state) || '(nothing yet)'}`,
    `## The agent's move\n${point.agentReply}`,
    `## The expert's move\n${point.teacherReply}`,
    `## Judgement\n${point.shortfall ? `Falls short (${point.kinds.join(', ') || 'unspecified'}): ` : 'A move that mattered: '}${point.explanation}`,
  ].join('\n\n');
}

function groupSection(group: DecisionGroup): string {
  const shown = group.points.slice(0, STATES_SHOWN);
  return [`# The kind of state\n${group.situation}`, ...shown.map((point, i) => `# State ${i + 1} of ${group.points.length}\n\n${pointSection(point)}`)].join('\n\n');
}

function entrySection(title: string, entry: Pick<EntryDraft, 'scenario' | 'guidance' | 'policy_refs' | 'after_tools' | 'before_tools'> & { examples?: string[] }): string {
  const lines = [`# ${title}`, `scenario: ${entry.scenario}`, `guidance: ${entry.guidance}`, `policy_refs: ${JSON.stringify(entry.policy_refs)}`];
  if ((entry.examples ?? []).length > 0) lines.push(`examples: ${JSON.stringify(entry.examples)}`);
  if ((entry.after_tools ?? []).length > 0) lines.push(`after_tools: ${JSON.stringify(entry.after_tools)}`);
  if ((entry.before_tools ?? []).length > 0) lines.push(`before_tools: ${JSON.stringify(entry.before_tools)}`);
  return lines.join('\n');
}

function liftSection(round: RetestRound): string {
  const { lift } = round;
  const misses = round.misses.map((m) => `- at ${m.state}: ${m.reply}\n  (${m.explanation})`).join('\n') || '(none)';
  return [
    `# How the agent did with the note\nmatched the expert ${lift.passed_with} of ${lift.n_with} times with the note, ${lift.passed_without} of ${lift.n_without} without it; ` +
      `lift ${lift.lift} (95% interval ${lift.interval[0]} to ${lift.interval[1]}); the note was retrieved in ${lift.retrieved_states} of ${lift.states} states.`,
    `# Moves with the note that still fell short\n${misses}`,
  ].join('\n\n');
}

/** Trimmed, lowercased and de-duplicated, as the library stores them. */
function draftOf(text: EntryText): EntryDraft {
  return { ...text, tags: [...new Set(text.tags.map((tag) => tag.trim().toLowerCase()).filter(Boolean))] };
}

/** `name` tells the three entry-writing calls apart in response_format (and in a scripted fake). */
async function writeEntry(ctx: ElicitContext, name: 'guidance_entry' | 'refined_entry' | 'merged_entry', system: string, user: string): Promise<EntryDraft> {
  const text = await ctx.calls.structured<EntryText>(
    name,
    EntryOutput,
    [
      { role: 'system', content: system },
      { role: 'user', content: `${policySection(ctx.library.policy)}\n\n${user}` },
    ],
    (value) => entryProblems(ctx.library.policy, value),
  );
  return draftOf(text);
}

function merge(ctx: ElicitContext, existing: GuidanceEntry, draft: EntryDraft): Promise<EntryDraft> {
  const current = { ...existing, ...existing.applies_when };
  return writeEntry(ctx, 'merged_entry', ctx.prompts.merge.text, `${entrySection('Existing entry', current)}\n\n${entrySection('New entry', draft)}\nrationale: ${draft.rationale}`);
}

function measuredStates(group: DecisionGroup): MeasuredState[] {
  return [...group.points.map((point) => ({ point, source: true })), ...group.siblings.map((point) => ({ point, source: false }))];
}

function noteUnderTest(written: WrittenEntry, draft: EntryDraft): NoteUnderTest {
  return written.revisionId === undefined ? { entryId: written.entryId } : { entryId: written.entryId, revision: { scenario: draft.scenario, guidance: draft.guidance } };
}

/**
 * One group of decision points through write → place in the library (a draft, a new version of a
 * draft near-duplicate, or a pending revision of an approved one) → measured lift, refined up to
 * `rounds` times → policy check → verdict. Each phase is saved, so a resumed step goes on from it.
 */
export async function elicit(ctx: ElicitContext, group: DecisionGroup, cp: GroupCheckpoint, save: () => Promise<void>): Promise<{ outcome: DecisionOutcome; written: WrittenEntry }> {
  if (cp.draft === undefined) {
    const draft = await writeEntry(ctx, 'guidance_entry', ctx.prompts.write.text, groupSection(group));
    cp.draft = { ...draft, examples: mergeExamples(draft.examples ?? [], stateExamples(group)) };
    await save();
  }
  if (cp.written === undefined) {
    const placed = await ctx.writer.place(ctx.job, ctx.library, group, cp.draft, (existing, draft) => merge(ctx, existing, draft));
    cp.written = placed.written;
    cp.draft = placed.draft;
    await save();
  }
  cp.rounds ??= [];
  cp.baseline ??= {};
  const acceptance = { calls: ctx.calls, prompts: ctx.prompts, library: ctx.library, student: ctx.student, samples: ctx.options.samples, seed: ctx.options.seed, minLift: ctx.options.min_lift };
  for (;;) {
    const last = cp.rounds.at(-1);
    if (last !== undefined && (last.lift.accepted || cp.rounds.length > ctx.options.rounds)) break;
    if (last !== undefined && cp.refinedAt !== cp.rounds.length) {
      cp.draft = await writeEntry(
        ctx,
        'refined_entry',
        ctx.prompts.refine.text,
        `${groupSection(group)}\n\n${entrySection('The entry the agent was served', cp.draft)}\n\n${liftSection(last)}`,
      );
      cp.written = await ctx.writer.refine(ctx.job, ctx.library, group, cp.written, cp.draft);
      cp.refinedAt = cp.rounds.length;
      await save();
    }
    const { lift, misses } = await measureLift(acceptance, noteUnderTest(cp.written, cp.draft), measuredStates(group), cp.baseline);
    await ctx.writer.recordLift(ctx.library, ctx.job.id, `${group.key}@${cp.rounds.length}`, cp.written, lift);
    cp.rounds.push({ round: cp.rounds.length, guidance: cp.draft.guidance, lift, misses });
    await save();
  }
  if (cp.policy === undefined) {
    cp.policy = await ctx.calls.structured<PolicyCheck>('policy_check', PolicyCheckOutput, [
      { role: 'system', content: ctx.prompts.policyCheck.text },
      { role: 'user', content: `${policySection(ctx.library.policy)}\n\n${entrySection('Coaching note', cp.draft)}` },
    ]);
    await save();
  }
  const accepted = cp.rounds.at(-1)!.lift.accepted;
  cp.outcome ??= { draft: cp.draft, rounds: cp.rounds, accepted, policy: cp.policy, approved: ctx.options.auto_approve && accepted && !cp.policy.conflict };
  // Saved, and fenced, before the verdict is written: a cancelled job stops short of approving.
  await save();
  if (cp.concluded === undefined) {
    cp.concluded = await ctx.writer.conclude(ctx.job, ctx.library, group, cp.written, cp.outcome);
    await save();
  }
  return { outcome: cp.outcome, written: cp.concluded };
}
