import type { Db } from '../db/db.js';
import { mergeExamples, mergeSources, type GuidanceRevisions } from '../library/guidance-revisions.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { GuidanceEntry, GuidanceInput, Library } from '../library/types.js';
import type { SimilarEntries } from './similar-entries.js';
import type { DecisionGroup, DecisionOutcome, EntryDraft, JobModels, LiftMeasurement, WrittenEntry } from './types.js';

export interface WritingJob {
  id: string;
  requestedBy: string | null;
  models: JobModels;
  prompts: Record<string, string>;
}

/** A near-duplicate was written (by another decision of this or another job) after this one looked. */
class NearDuplicateWritten extends Error {
  constructor(readonly entryId: string) {
    super(`a near-duplicate (${entryId}) was written meanwhile`);
  }
}

/** The text the merge gives an existing entry and a new draft: the teacher's merge, asked by the caller. */
export type MergeText = (existing: GuidanceEntry, draft: EntryDraft) => Promise<EntryDraft>;

const externalId = (jobId: string, group: DecisionGroup) => `teacher:${jobId}:${group.key}`;
// Any fixed namespace, so the teacher's writes per library queue behind each other on Postgres.
const LOCK_NAMESPACE = 'coach:teacher-write:';

function content(draft: EntryDraft): Pick<GuidanceInput, 'scenario' | 'guidance' | 'policy_refs' | 'tags' | 'examples' | 'applies_when'> {
  return {
    scenario: draft.scenario,
    guidance: draft.guidance,
    policy_refs: draft.policy_refs,
    tags: [...new Set([...draft.tags, 'teacher'])],
    examples: draft.examples ?? [],
    applies_when: { after_tools: draft.after_tools ?? [], before_tools: draft.before_tools ?? [] },
  };
}

/**
 * Puts a group's note into the library, where the retriever can serve it to the acceptance test,
 * without ever taking guidance out of service: a new note is a draft; a near-duplicate draft gets
 * a new version; an approved near-duplicate gets a pending revision and keeps being served as it
 * is. Examples are merged and provenance lists every source. Creating is serialised per library
 * (a lock, then the near-duplicate looked up again), so one job cannot write two copies of a note.
 * Safe to run again for the same group (a resumed step): what it wrote is found again.
 */
export class LibraryWriter {
  constructor(
    private readonly db: Db,
    private readonly store: GuidanceStore,
    private readonly revisions: GuidanceRevisions,
    private readonly similar: SimilarEntries,
  ) {}

  async place(job: WritingJob, library: Library, group: DecisionGroup, draft: EntryDraft, merge: MergeText): Promise<{ written: WrittenEntry; draft: EntryDraft }> {
    const again = await this.placed(job, library, group);
    if (again !== null) return { written: again, draft };
    const provenance = this.provenance(job, group);
    const near = await this.similar.nearest(library, draft.scenario);
    let target = near?.id ?? null;
    if (target === null) {
      try {
        return { written: await this.create(job, library, group, draft, provenance), draft };
      } catch (err) {
        if (!(err instanceof NearDuplicateWritten)) throw err;
        target = err.entryId;
      }
    }
    const existing = await this.store.get(library.id, target);
    const merged = await merge(existing, draft);
    const actor = { keyId: job.requestedBy, reason: `teacher job ${job.id}: ${group.key} (near-duplicate merged)` };
    const examples = mergeExamples(existing.examples, merged.examples ?? [], draft.examples ?? []);
    const mergedInto = { id: existing.id, version: existing.version };
    if (existing.status === 'approved') {
      const revision = await this.revisions.propose(library, existing.id, { ...normalised(content({ ...merged, examples })), provenance }, actor);
      return { written: { entryId: existing.id, version: existing.version, action: 'revised', revisionId: revision.id, mergedInto }, draft: merged };
    }
    const input: GuidanceInput = {
      ...content({ ...merged, examples }),
      id: existing.id,
      external_id: existing.external_id,
      // An import replaces the entry whole: its selection rules are kept as they are.
      always_on: existing.always_on,
      priority: existing.priority,
      excludes: existing.excludes,
      requires: existing.requires,
      procedure: existing.procedure,
      status: 'draft',
      provenance: { ...provenance, sources: mergeSources(existing.provenance, provenance) },
    };
    await this.store.import(library, [input], actor);
    const after = await this.store.get(library.id, existing.id);
    return { written: { entryId: after.id, version: after.version, action: 'merged', mergedInto }, draft: merged };
  }

  /** A refinement replaces the note's text where it was placed. */
  async refine(job: WritingJob, library: Library, group: DecisionGroup, written: WrittenEntry, draft: EntryDraft): Promise<WrittenEntry> {
    if (written.revisionId !== undefined) {
      await this.revisions.refine(library.id, written.revisionId, draft);
      return written;
    }
    const current = await this.store.get(library.id, written.entryId);
    const { entry } = await this.store.update(
      library,
      written.entryId,
      { scenario: draft.scenario, guidance: draft.guidance, policy_refs: draft.policy_refs, examples: mergeExamples(current.examples, draft.examples ?? []) },
      { keyId: job.requestedBy, reason: `teacher job ${job.id}: ${group.key} refined after its lift was not shown` },
    );
    return { ...written, version: entry.version };
  }

  /** The verdict: approved when auto_approve and accepted with a clean policy check; marked otherwise. */
  async conclude(job: WritingJob, library: Library, group: DecisionGroup, written: WrittenEntry, outcome: DecisionOutcome): Promise<WrittenEntry> {
    const last = outcome.rounds.at(-1)!.lift;
    const reason = `teacher job ${job.id}: ${group.key} lift ${last.lift} [${last.interval.join(', ')}] for ${last.student_model}`;
    if (written.revisionId !== undefined) {
      if (!outcome.approved) return written;
      const { entry } = await this.revisions.approve(library, written.entryId, written.revisionId, { keyId: job.requestedBy, reason: `auto-approved: ${reason}` });
      return { ...written, version: entry.version };
    }
    const current = await this.store.get(library.id, written.entryId);
    const marks = [...(outcome.accepted ? [] : ['lift-not-shown']), ...(outcome.policy.conflict ? ['policy-conflict'] : [])];
    const { entry } = await this.store.update(
      library,
      written.entryId,
      {
        status: outcome.approved ? 'approved' : current.status,
        tags: [...new Set([...current.tags, ...marks])],
        provenance: { ...current.provenance, retest_passed: outcome.accepted, retest_rounds: outcome.rounds.length, lift: last.lift, lift_interval: last.interval, policy_conflict: outcome.policy.conflict },
      },
      { keyId: job.requestedBy, reason: outcome.approved ? `auto-approved: ${reason}` : reason },
    );
    return { ...written, version: entry.version };
  }

  /** Measured lift, per student model: the evidence reviewers and `validate` read. */
  async recordLift(library: Library, jobId: string, key: string, written: Pick<WrittenEntry, 'entryId' | 'version' | 'revisionId'>, lift: LiftMeasurement): Promise<void> {
    await this.db.query(
      `INSERT INTO guidance_lift (library_id, entry_id, entry_version, revision_id, job_id, measurement_key, student_model, judge_model, passed_with, n_with,
                                  passed_without, n_without, lift, lift_low, lift_high, min_lift, states, retrieved_states, best_rank, median_rank, accepted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
       ON CONFLICT (job_id, measurement_key) DO NOTHING`,
      [library.id, written.entryId, written.version, written.revisionId ?? null, jobId, key, lift.student_model, lift.judge_model, lift.passed_with, lift.n_with,
       lift.passed_without, lift.n_without, lift.lift, lift.interval[0], lift.interval[1], lift.min_lift, lift.states, lift.retrieved_states, lift.best_rank,
       lift.median_rank, lift.accepted],
    );
  }

  async recordEvidence(job: WritingJob, library: Library, group: DecisionGroup, outcome: DecisionOutcome, written: WrittenEntry, round: number): Promise<void> {
    const evidence = {
      round,
      situation: group.situation,
      states: group.points.map((p) => ({ key: p.key, turn: p.turn, state: p.state, student_reply: p.agentReply, teacher_reply: p.teacherReply, judgement: { shortfall: p.shortfall, kinds: p.kinds, explanation: p.explanation } })),
      siblings: group.siblings.map((p) => ({ key: p.key, state: p.state, student_reply: p.agentReply, teacher_reply: p.teacherReply })),
      rationale: outcome.draft.rationale,
      merged_into: written.mergedInto ?? null,
      revision_id: written.revisionId ?? null,
      acceptance: { accepted: outcome.accepted, student_model: job.models.student, judge_model: job.models.judge, rounds: outcome.rounds },
      policy_check: outcome.policy,
    };
    await this.db.query(
      `INSERT INTO teacher_evidence (job_id, library_id, entry_id, entry_version, action, source_id, decision_key, retest_passed, policy_conflict, evidence, revision_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (job_id, decision_key) DO NOTHING`,
      [job.id, library.id, written.entryId, written.version, written.action, group.sourceId, group.key, outcome.accepted, outcome.policy.conflict, JSON.stringify(evidence), written.revisionId ?? null],
    );
  }

  private provenance(job: WritingJob, group: DecisionGroup): Record<string, unknown> {
    return { source: 'teacher', job_id: job.id, decision_key: group.key, source_id: group.sourceId, prompts: job.prompts, models: job.models };
  }

  private async create(job: WritingJob, library: Library, group: DecisionGroup, draft: EntryDraft, provenance: Record<string, unknown>): Promise<WrittenEntry> {
    const vector = await this.similar.vector(library, draft.scenario);
    const actor = { keyId: job.requestedBy, reason: `teacher job ${job.id}: ${group.key}` };
    const input: GuidanceInput = { ...content(draft), external_id: externalId(job.id, group), status: 'draft', provenance: { ...provenance, sources: [provenance] } };
    const { ids } = await this.store.import(library, [input], actor, async (tx) => {
      if (this.db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${LOCK_NAMESPACE}${library.id}`]);
      const near = await this.similar.nearestTo(tx, library, vector);
      if (near !== null) throw new NearDuplicateWritten(near.id);
    });
    return { entryId: ids[0]!, version: 1, action: 'created' };
  }

  /** What an earlier attempt of this step wrote for the group, if anything. */
  private async placed(job: WritingJob, library: Library, group: DecisionGroup): Promise<WrittenEntry | null> {
    const [created] = await this.db.query<{ id: string; version: number }>(
      'SELECT id, version FROM guidance_entries WHERE library_id = $1 AND external_id = $2',
      [library.id, externalId(job.id, group)],
    );
    if (created !== undefined) return { entryId: created.id, version: created.version, action: 'created' };
    const [revision] = await this.db.query<{ id: string; entry_id: string; base_version: number }>(
      `SELECT id, entry_id, base_version FROM guidance_revisions WHERE library_id = $1 AND provenance->>'job_id' = $2 AND provenance->>'decision_key' = $3`,
      [library.id, job.id, group.key],
    );
    if (revision !== undefined) return { entryId: revision.entry_id, version: revision.base_version, action: 'revised', revisionId: revision.id };
    const [merged] = await this.db.query<{ id: string; version: number }>(
      `SELECT id, version FROM guidance_entries WHERE library_id = $1 AND provenance->>'job_id' = $2 AND provenance->>'decision_key' = $3`,
      [library.id, job.id, group.key],
    );
    return merged === undefined ? null : { entryId: merged.id, version: merged.version, action: 'merged' };
  }
}

function normalised(input: ReturnType<typeof content>) {
  return {
    scenario: input.scenario,
    guidance: input.guidance,
    examples: input.examples ?? [],
    tags: input.tags ?? [],
    policy_refs: input.policy_refs ?? [],
    applies_when: { after_tools: input.applies_when?.after_tools ?? [], before_tools: input.applies_when?.before_tools ?? [] },
  };
}
