import type { GuidanceStore } from '../library/guidance-store.js';
import type { GuidanceEntry, Library } from '../library/types.js';
import type { ModelCalls } from './model-calls.js';
import { EntryOutput, JudgeOutput, PolicyCheckOutput, type EntryText, type Judge, type PolicyCheck } from './output-schemas.js';
import { entryProblems } from './entry-checks.js';
import type { Prompts } from './prompts.js';
import type { SimilarEntries } from './similar-entries.js';
import type { StudentServer } from './student.js';
import { numberedTranscript, policySection } from './transcript-text.js';
import type { DecisionOutcome, DecisionPoint, EntryDraft, JobOptions, RetestRound } from './types.js';

export interface ElicitContext {
  calls: ModelCalls;
  prompts: Prompts;
  library: Library;
  options: JobOptions;
  student: StudentServer;
  similar: SimilarEntries;
  store: GuidanceStore;
}

function pointSection(point: DecisionPoint): string {
  return [
    `# Conversation so far (the agent replies next)\n${numberedTranscript(point.state) || '(nothing yet)'}`,
    `# The agent's move\n${point.agentReply}`,
    `# The expert's reply\n${point.teacherReply}`,
    `# Judgement\n${point.shortfall ? `Falls short (${point.kinds.join(', ') || 'unspecified'}): ` : 'A move that mattered: '}${point.explanation}`,
  ].join('\n\n');
}

function entrySection(title: string, entry: Pick<EntryDraft, 'scenario' | 'guidance' | 'policy_refs' | 'after_tools' | 'before_tools'>): string {
  const lines = [`# ${title}`, `scenario: ${entry.scenario}`, `guidance: ${entry.guidance}`, `policy_refs: ${JSON.stringify(entry.policy_refs)}`];
  if ((entry.after_tools ?? []).length > 0) lines.push(`after_tools: ${JSON.stringify(entry.after_tools)}`);
  if ((entry.before_tools ?? []).length > 0) lines.push(`before_tools: ${JSON.stringify(entry.before_tools)}`);
  return lines.join('\n');
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

async function judge(ctx: ElicitContext, point: DecisionPoint, reply: string): Promise<Judge> {
  return ctx.calls.structured<Judge>('retest_verdict', JudgeOutput, [
    { role: 'system', content: ctx.prompts.judge.text },
    {
      role: 'user',
      content: [
        policySection(ctx.library.policy),
        `# Conversation so far\n${numberedTranscript(point.state) || '(nothing yet)'}`,
        `# The shortfall found before\n${point.explanation}`,
        `# The expert's reply\n${point.teacherReply}`,
        `# The agent's new move (with the coaching note)\n${reply}`,
      ].join('\n\n'),
    },
  ]);
}

async function merge(ctx: ElicitContext, existing: GuidanceEntry, draft: EntryDraft): Promise<EntryDraft> {
  const current = { ...existing, ...existing.applies_when };
  return writeEntry(ctx, 'merged_entry', ctx.prompts.merge.text, `${entrySection('Existing entry', current)}\n\n${entrySection('New entry', draft)}\nrationale: ${draft.rationale}`);
}

/**
 * One decision point through write → merge into a near-duplicate → re-test and refine → policy
 * check. Nothing is written to the library here: the result is the planned write.
 */
export async function elicit(ctx: ElicitContext, point: DecisionPoint): Promise<DecisionOutcome> {
  let draft = await writeEntry(ctx, 'guidance_entry', ctx.prompts.write.text, pointSection(point));
  let mergeInto: DecisionOutcome['mergeInto'] = null;
  const near = await ctx.similar.nearest(ctx.library, draft.scenario);
  if (near !== null) {
    const existing = await ctx.store.get(ctx.library.id, near.id);
    mergeInto = { id: existing.id, version: existing.version };
    draft = await merge(ctx, existing, draft);
  }
  const rounds: RetestRound[] = [];
  for (let round = 0; round <= ctx.options.rounds; round++) {
    const candidate = { scenario: draft.scenario, guidance: draft.guidance, replaces: mergeInto?.id ?? null };
    const reply = await ctx.student.reply(ctx.calls, ctx.library, point.state, candidate, point.tools);
    const verdict = await judge(ctx, point, reply.content);
    rounds.push({ round, guidance: draft.guidance, student_reply: reply.content, passed: verdict.passed, explanation: verdict.explanation });
    if (verdict.passed || round === ctx.options.rounds) break;
    draft = await writeEntry(
      ctx,
      'refined_entry',
      ctx.prompts.refine.text,
      `${pointSection(point)}\n\n${entrySection('The entry the agent was given', draft)}\n\n# The agent's move with it\n${reply.content}\n\n# Why it still falls short\n${verdict.explanation}`,
    );
  }
  const passed = rounds.at(-1)!.passed;
  const policy = await ctx.calls.structured<PolicyCheck>('policy_check', PolicyCheckOutput, [
    { role: 'system', content: ctx.prompts.policyCheck.text },
    { role: 'user', content: `${policySection(ctx.library.policy)}\n\n${entrySection('Coaching note', draft)}` },
  ]);
  const status = ctx.options.auto_approve && passed && !policy.conflict ? 'approved' : 'draft';
  return { draft, mergeInto, rounds, passed, policy, status };
}
