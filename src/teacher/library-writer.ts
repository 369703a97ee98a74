import type { Db } from '../db/db.js';
import type { GuidanceStore } from '../library/guidance-store.js';
import type { GuidanceInput, Library } from '../library/types.js';
import type { DecisionOutcome, DecisionPoint, JobModels, WrittenEntry } from './types.js';

export interface WritingJob {
  id: string;
  requestedBy: string | null;
  models: JobModels;
  prompts: Record<string, string>;
}

/** The merge target changed between the teacher reading it and writing its new version. */
export class MergeTargetChangedError extends Error {
  constructor(id: string, read: number, now: number) {
    super(`entry ${id} moved from version ${read} to ${now} while the job ran; the merged guidance was not written`);
    this.name = 'MergeTargetChangedError';
  }
}

const externalId = (jobId: string, point: DecisionPoint) => `teacher:${jobId}:${point.key}`;

function tags(outcome: DecisionOutcome): string[] {
  const marks = ['teacher', ...(outcome.passed ? [] : ['retest-failed']), ...(outcome.policy.conflict ? ['policy-conflict'] : [])];
  return [...new Set([...outcome.draft.tags, ...marks])];
}

/**
 * Writes a decision point's planned entry and its evidence. Safe to run again for the same
 * decision point (a resumed step): a created entry is found by its deterministic external_id, a
 * merge by the decision key in the provenance of the version it wrote, and evidence is keyed by it.
 */
export class LibraryWriter {
  constructor(
    private readonly db: Db,
    private readonly store: GuidanceStore,
  ) {}

  async write(job: WritingJob, library: Library, point: DecisionPoint, outcome: DecisionOutcome): Promise<WrittenEntry> {
    const provenance = {
      source: 'teacher',
      job_id: job.id,
      decision_key: point.key,
      source_id: point.sourceId,
      prompts: job.prompts,
      models: job.models,
      retest_passed: outcome.passed,
      retest_rounds: outcome.rounds.length,
      policy_conflict: outcome.policy.conflict,
    };
    const input: GuidanceInput = {
      scenario: outcome.draft.scenario,
      guidance: outcome.draft.guidance,
      policy_refs: outcome.draft.policy_refs,
      applies_when: { after_tools: outcome.draft.after_tools ?? [], before_tools: outcome.draft.before_tools ?? [] },
      tags: tags(outcome),
      status: outcome.status,
      provenance,
    };
    const written = outcome.mergeInto === null ? await this.create(job, library, point, input) : await this.merge(job, library, point, outcome.mergeInto, input);
    await this.recordEvidence(job, library, point, outcome, written);
    return written;
  }

  private async create(job: WritingJob, library: Library, point: DecisionPoint, input: GuidanceInput): Promise<WrittenEntry> {
    const external = externalId(job.id, point);
    const [existing] = await this.db.query<{ id: string; version: number }>(
      'SELECT id, version FROM guidance_entries WHERE library_id = $1 AND external_id = $2',
      [library.id, external],
    );
    // Written by an earlier attempt of this step; a reviewer may have acted on it since.
    if (existing !== undefined) return { entryId: existing.id, version: existing.version, action: 'created' };
    const actor = { keyId: job.requestedBy, reason: `teacher job ${job.id}: ${point.key}` };
    const { ids } = await this.store.import(library, [{ ...input, external_id: external }], actor);
    return { entryId: ids[0]!, version: 1, action: 'created' };
  }

  private async merge(
    job: WritingJob,
    library: Library,
    point: DecisionPoint,
    target: { id: string; version: number },
    input: GuidanceInput,
  ): Promise<WrittenEntry> {
    const current = await this.store.get(library.id, target.id);
    const { job_id, decision_key } = current.provenance as { job_id?: string; decision_key?: string };
    if (job_id === job.id && decision_key === point.key) return { entryId: current.id, version: current.version, action: 'merged' };
    if (current.version !== target.version) throw new MergeTargetChangedError(target.id, target.version, current.version);
    const actor = { keyId: job.requestedBy, reason: `teacher job ${job.id}: ${point.key} (near-duplicate merged as a new version)` };
    await this.store.import(library, [{ ...input, id: current.id, external_id: current.external_id }], actor);
    const merged = await this.store.get(library.id, current.id);
    return { entryId: merged.id, version: merged.version, action: 'merged' };
  }

  private async recordEvidence(job: WritingJob, library: Library, point: DecisionPoint, outcome: DecisionOutcome, written: WrittenEntry): Promise<void> {
    const evidence = {
      turn: point.turn,
      state: point.state,
      student_reply: point.agentReply,
      teacher_reply: point.teacherReply,
      judgement: { shortfall: point.shortfall, kinds: point.kinds, explanation: point.explanation },
      rationale: outcome.draft.rationale,
      merged_into: outcome.mergeInto,
      retest: { passed: outcome.passed, rounds: outcome.rounds },
      policy_check: outcome.policy,
    };
    await this.db.query(
      `INSERT INTO teacher_evidence (job_id, library_id, entry_id, entry_version, action, source_id, decision_key, retest_passed, policy_conflict, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (job_id, decision_key) DO NOTHING`,
      [job.id, library.id, written.entryId, written.version, written.action, point.sourceId, point.key, outcome.passed, outcome.policy.conflict, JSON.stringify(evidence)],
    );
  }
}
