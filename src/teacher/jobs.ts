import type { Principal } from '../auth/principal.js';
import type { ModelPrice } from '../config.js';
import type { Db } from '../db/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Library } from '../library/types.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { cost, JOB_ROLES, jobModels, type Judges } from './job-models.js';
import type { CurvePoint } from './rounds.js';
import type { JobKind, JobModels, JobOptions, JobRole, JobStatus, Scenario, StepInput, StepKind, Transcript } from './types.js';

export interface TeachRequest {
  kind: JobKind;
  scenarios?: Scenario[];
  generate?: { count: number };
  transcripts?: Transcript[];
  /** Adaptive rounds: the fixed validation set measured after every round. */
  validation?: Scenario[];
  options?: Partial<JobOptions>;
  models?: Partial<JobModels>;
}

export const DEFAULT_OPTIONS: JobOptions = {
  max_turns: 6,
  rounds: 2,
  auto_approve: false,
  rollouts: 3,
  samples: 5,
  min_lift: 0,
  seed: 0,
  max_rounds: 1,
  min_gain: 0.05,
  max_tokens: null,
  max_cost_usd: null,
};

export interface RoleUsage {
  model: string;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD from MODEL_PRICES; null when the model has no price there. */
  estimated_cost_usd: number | null;
}

export interface JobView {
  id: string;
  library_id: string;
  kind: JobKind;
  status: JobStatus;
  options: JobOptions;
  models: JobModels;
  progress: { done: number; failed: number; total: number };
  usage: Record<JobRole, RoleUsage>;
  estimated_cost_usd: number | null;
  produced_entry_ids: string[];
  merged_entry_ids: string[];
  /** Approved entries this job proposed a pending revision of. */
  revised_entry_ids: string[];
  errors: { step: number; source_id: string | null; error: string }[];
  /** Decision points or groups that failed alone, their step going on without them. */
  failed_decisions: { step: number; key: string; error: string }[];
  /** Which model judged, and whether it is the teacher itself. */
  judge: { model: string; separate: boolean };
  /** Adaptive jobs: the learning curve, one point per round; why the job stopped early, if it did. */
  report: { curve: CurvePoint[]; stop_reason: string | null };
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface EvidenceView {
  job_id: string;
  entry_id: string;
  entry_version: number;
  action: 'created' | 'merged' | 'revised';
  revision_id: string | null;
  source_id: string;
  decision_key: string;
  retest_passed: boolean;
  policy_conflict: boolean;
  evidence: Record<string, unknown>;
  created_at: Date;
}

type JobRow = Pick<JobView, 'id' | 'library_id' | 'kind' | 'status' | 'options' | 'models' | 'created_at' | 'started_at' | 'finished_at'> & {
  report: { curve?: CurvePoint[]; stop_reason?: string };
};

function duplicateIds(items: { id: string }[], field: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) throw new ValidationError(`body.${field}.${index}.id "${item.id}" appears twice`, { field: `${field}.${index}.id` });
    seen.add(item.id);
  });
}

/** The steps of a new job; a request that names the wrong inputs for its kind is refused by field. */
function plannedSteps(request: TeachRequest, approved: string[]): { kind: StepKind; input: StepInput }[] {
  const { kind, scenarios, generate } = request;
  if (kind === 'validate') {
    const given = (['scenarios', 'generate', 'transcripts', 'validation'] as const).find((field) => request[field] !== undefined);
    if (given !== undefined) throw new ValidationError(`body.${given} is not for kind "validate": it re-measures the library's approved entries`, { field: given });
    if (approved.length === 0) throw new ValidationError('body.kind "validate" needs approved entries in the library; it has none', { field: 'kind' });
    return approved.map((entry_id) => ({ kind: 'validate_entry', input: { entry_id } }));
  }
  const steps = teachingSteps(request);
  const maxRounds = request.options?.max_rounds ?? DEFAULT_OPTIONS.max_rounds;
  if (request.validation === undefined) {
    if (maxRounds > 1) throw new ValidationError('body.validation is required when options.max_rounds is above 1: rounds are measured on it', { field: 'validation' });
    return steps;
  }
  if (kind !== 'scenarios') throw new ValidationError('body.validation is only for kind "scenarios"', { field: 'validation' });
  duplicateIds(request.validation, 'validation');
  // The baseline is measured first, then the first round runs; each round ends with a measurement.
  const count = generate?.count ?? scenarios!.length;
  return [{ kind: 'evaluate', input: { round: 0, validation: request.validation, count, first: steps } }];
}

function teachingSteps(request: TeachRequest): { kind: StepKind; input: StepInput }[] {
  const { kind, scenarios, generate, transcripts } = request;
  if (kind === 'scenarios') {
    if (transcripts !== undefined) throw new ValidationError('body.transcripts is only for kind "transcripts"', { field: 'transcripts' });
    if ((scenarios === undefined) === (generate === undefined)) {
      throw new ValidationError('body.scenarios or body.generate is required for kind "scenarios", not both', { field: 'scenarios' });
    }
    if (generate !== undefined) return [{ kind: 'generate', input: generate }];
    duplicateIds(scenarios!, 'scenarios');
    return scenarios!.map((input) => ({ kind: 'scenario', input }));
  }
  if (scenarios !== undefined || generate !== undefined) {
    throw new ValidationError(`body.${scenarios !== undefined ? 'scenarios' : 'generate'} is only for kind "scenarios"`, { field: scenarios !== undefined ? 'scenarios' : 'generate' });
  }
  if (transcripts === undefined) throw new ValidationError('body.transcripts is required for kind "transcripts"', { field: 'transcripts' });
  duplicateIds(transcripts, 'transcripts');
  transcripts.forEach((transcript, index) => {
    if (!transcript.messages.some((m) => m.role === 'assistant')) {
      throw new ValidationError(`body.transcripts.${index}.messages has no agent (assistant) message to learn from`, { field: `transcripts.${index}.messages` });
    }
  });
  return transcripts.map((input) => ({ kind: 'transcript', input }));
}

/** Teacher jobs as the API sees them: submitted, watched, cancelled; the worker carries them out. */
export class TeacherJobs {
  constructor(
    private readonly db: Db,
    private readonly models: ModelRegistry,
    private readonly judges: Judges,
    private readonly prices: Record<string, ModelPrice>,
    /** Called after a job is queued or cancelled, so this instance's worker acts at once. */
    private readonly notify: { queued(): void; cancelled(jobId: string): void },
  ) {}

  async submit(library: Library, request: TeachRequest, requestedBy: string): Promise<{ job_id: string }> {
    const approved =
      request.kind === 'validate'
        ? (await this.db.query<{ id: string }>("SELECT id FROM guidance_entries WHERE library_id = $1 AND status = 'approved' ORDER BY seq", [library.id])).map((r) => r.id)
        : [];
    const steps = plannedSteps(request, approved);
    const { models, endpoints } = jobModels(this.models, this.judges, request.models);
    const options = { ...DEFAULT_OPTIONS, ...request.options };
    const jobId = await this.db.transaction(async (tx) => {
      const [job] = await tx.query<{ id: string }>(
        'INSERT INTO teacher_jobs (library_id, kind, options, models, endpoints, requested_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [library.id, request.kind, JSON.stringify(options), JSON.stringify(models), JSON.stringify(endpoints), requestedBy],
      );
      await tx.query(
        `INSERT INTO teacher_steps (job_id, ordinal, kind, input)
         SELECT $1, s.ordinal, s.kind, s.input FROM jsonb_to_recordset($2::jsonb) AS s(ordinal int, kind text, input jsonb)`,
        [job!.id, JSON.stringify(steps.map((step, ordinal) => ({ ordinal, ...step })))],
      );
      return job!.id;
    });
    this.notify.queued();
    return { job_id: jobId };
  }

  async get(principal: Principal, id: string): Promise<JobView> {
    const job = await this.job(principal, id);
    const [steps, usage, entries] = await Promise.all([
      this.db.query<{ ordinal: number; status: string; error: string | null; source_id: string | null; failed: { key: string; error: string }[] | null }>(
        `SELECT ordinal, status, error, coalesce(input->>'id', input->>'entry_id') AS source_id, checkpoint->'failed' AS failed
         FROM teacher_steps WHERE job_id = $1 ORDER BY ordinal`,
        [id],
      ),
      this.db.query<{ role: JobRole; model: string; calls: number; prompt_tokens: string; completion_tokens: string }>(
        'SELECT role, model, calls, prompt_tokens::text, completion_tokens::text FROM teacher_usage WHERE job_id = $1',
        [id],
      ),
      this.db.query<{ entry_id: string; action: EvidenceView['action'] }>(
        'SELECT entry_id, action, min(created_at) AS first FROM teacher_evidence WHERE job_id = $1 GROUP BY entry_id, action ORDER BY first',
        [id],
      ),
    ]);
    const roles = Object.fromEntries(
      JOB_ROLES.map((role) => {
        const rows = usage.filter((u) => u.role === role);
        const prompt = rows.reduce((sum, r) => sum + Number(r.prompt_tokens), 0);
        const completion = rows.reduce((sum, r) => sum + Number(r.completion_tokens), 0);
        // Jobs queued before judges existed were judged by their teacher.
        const model = job.models[role] ?? job.models.teacher;
        const view: RoleUsage = {
          model,
          calls: rows.reduce((sum, r) => sum + r.calls, 0),
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
          estimated_cost_usd: cost(this.prices[model], prompt, completion),
        };
        return [role, view];
      }),
    ) as Record<JobRole, RoleUsage>;
    const costs = Object.values(roles).map((r) => (r.calls === 0 ? 0 : r.estimated_cost_usd));
    return {
      ...job,
      models: { ...job.models, judge: roles.judge.model },
      progress: {
        done: steps.filter((s) => s.status === 'done' || s.status === 'failed').length,
        failed: steps.filter((s) => s.status === 'failed').length,
        total: steps.length,
      },
      usage: roles,
      estimated_cost_usd: costs.includes(null) ? null : Math.round(costs.reduce((a, b) => a! + b!, 0)! * 1e6) / 1e6,
      produced_entry_ids: entries.filter((e) => e.action === 'created').map((e) => e.entry_id),
      merged_entry_ids: entries.filter((e) => e.action === 'merged').map((e) => e.entry_id),
      revised_entry_ids: entries.filter((e) => e.action === 'revised').map((e) => e.entry_id),
      errors: steps.filter((s) => s.error !== null).map((s) => ({ step: s.ordinal, source_id: s.source_id, error: s.error! })),
      failed_decisions: steps.flatMap((s) => (s.failed ?? []).map((f) => ({ step: s.ordinal, key: f.key, error: f.error }))),
      judge: { model: roles.judge.model, separate: roles.judge.model !== job.models.teacher || this.judges.separate },
      report: { curve: job.report.curve ?? [], stop_reason: job.report.stop_reason ?? null },
    };
  }

  /** Stops the job: steps not started are cancelled, running ones stop at their next model call. */
  async cancel(principal: Principal, id: string): Promise<JobView> {
    await this.job(principal, id);
    const cancelled = await this.db.transaction(async (tx) => {
      const [job] = await tx.query<{ status: JobStatus }>(
        `UPDATE teacher_jobs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('pending', 'running') RETURNING status`,
        [id],
      );
      if (job === undefined) return false;
      await tx.query(
        `UPDATE teacher_steps SET status = 'cancelled', worker = NULL, lease_until = NULL, finished_at = now()
         WHERE job_id = $1 AND status IN ('pending', 'running')`,
        [id],
      );
      return true;
    });
    const view = await this.get(principal, id);
    if (!cancelled) throw new ConflictError(`job ${id} is already ${view.status}`, { status: view.status });
    this.notify.cancelled(id);
    return view;
  }

  /** Why the teacher wrote or changed an entry, newest first. */
  async evidence(library: Library, entryId: string): Promise<EvidenceView[]> {
    const [entry] = await this.db.query('SELECT 1 FROM guidance_entries WHERE library_id = $1 AND id = $2', [library.id, entryId]);
    if (entry === undefined) throw new NotFoundError('guidance entry', entryId);
    return this.db.query<EvidenceView>(
      `SELECT job_id, entry_id, entry_version, action, revision_id, source_id, decision_key, retest_passed, policy_conflict, evidence, created_at
       FROM teacher_evidence WHERE entry_id = $1 ORDER BY created_at DESC, decision_key`,
      [entryId],
    );
  }

  /** The job, if the caller's key may see its library; otherwise 404 either way. */
  private async job(principal: Principal, id: string): Promise<JobRow> {
    const [job] = await this.db.query<JobRow>(
      'SELECT id, library_id, kind, status, options, models, report, created_at, started_at, finished_at FROM teacher_jobs WHERE id = $1',
      [id],
    );
    if (job === undefined || (principal.libraryIds !== null && !principal.libraryIds.includes(job.library_id))) throw new NotFoundError('job', id);
    return job;
  }
}
