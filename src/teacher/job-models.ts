import { createHash } from 'node:crypto';
import type { ModelEndpointConfig, ModelPrice, ModelRole } from '../config.js';
import type { Db } from '../db/db.js';
import { ModelNotConfiguredError } from '../errors.js';
import { ChatModel, type Usage } from '../models/chat-model.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { BudgetCheck, UsageSink } from './model-calls.js';
import type { JobEndpoints, JobModels, JobOptions, JobRole } from './types.js';

/** In the order a job's usage is shown. */
export const JOB_ROLES: readonly JobRole[] = ['teacher', 'student', 'customer', 'judge'];
const SERVED_ROLES: readonly ModelRole[] = ['teacher', 'student', 'customer'];

/**
 * The judge of teacher jobs (contrast and acceptance): its own endpoint when JUDGE_* is configured,
 * since a teacher judging its own replies favours them; else the teacher model judges.
 */
export class Judges {
  private readonly clients = new Map<string, ChatModel>();

  constructor(
    private readonly models: ModelRegistry,
    private readonly endpoint: ModelEndpointConfig | undefined,
  ) {}

  /** The judge's model name for a new job: the configured judge, else the job's teacher. */
  name(teacher: string): string {
    return this.endpoint?.model ?? teacher;
  }

  get separate(): boolean {
    return this.endpoint !== undefined;
  }

  get(model: string): ChatModel {
    if (this.endpoint === undefined) return this.models.get('teacher', model);
    let client = this.clients.get(model);
    if (client === undefined) {
      // Its errors read "teacher model …": the judge is the teacher's stand-in.
      client = new ChatModel('teacher', { ...this.endpoint, model });
      this.clients.set(model, client);
    }
    return client;
  }

  fingerprint(): string | undefined {
    return this.endpoint === undefined ? undefined : createHash('sha256').update(new URL(this.endpoint.baseUrl).href.replace(/\/+$/, '')).digest('hex');
  }
}

/** The endpoints this instance serves the roles with; undefined when a role is not configured (it can run no job). */
export function servedEndpoints(models: ModelRegistry, judges: Judges): JobEndpoints | undefined {
  const [teacher, student, customer] = SERVED_ROLES.map((role) => models.endpointFingerprint(role));
  if (teacher === undefined || student === undefined || customer === undefined) return undefined;
  const judge = judges.fingerprint();
  return judge === undefined ? { teacher, student, customer } : { teacher, student, customer, judge };
}

/**
 * The model of each role for a new job (the configured one unless the job names another on the
 * same endpoint), and the endpoints an instance needs to run it; an unconfigured role is a 503
 * naming its variables.
 */
export function jobModels(models: ModelRegistry, judges: Judges, overrides: Partial<JobModels> = {}): { models: JobModels; endpoints: JobEndpoints } {
  const name = (role: ModelRole) => {
    const configured = models.modelName(role);
    if (configured === null) throw new ModelNotConfiguredError(role);
    return overrides[role] ?? configured;
  };
  const teacher = name('teacher');
  return {
    models: { teacher, student: name('student'), customer: name('customer'), judge: overrides.judge ?? judges.name(teacher) },
    endpoints: servedEndpoints(models, judges)!,
  };
}

/** Clients for a job's models; throws when a role has lost its configuration since submission. */
export function jobClients(models: ModelRegistry, judges: Judges, job: JobModels): Record<JobRole, ChatModel> {
  return {
    teacher: models.get('teacher', job.teacher),
    student: models.get('student', job.student),
    customer: models.get('customer', job.customer),
    // Jobs queued before judges existed judge with their teacher.
    judge: judges.get(job.judge ?? job.teacher),
  };
}

export function cost(price: ModelPrice | undefined, prompt: number, completion: number): number | null {
  if (price === undefined) return null;
  return Math.round(((prompt * price.input + completion * price.output) / 1e6) * 1e6) / 1e6;
}

/** The job reached max_tokens or max_cost_usd: it stops, keeping what it wrote. */
export class BudgetReachedError extends Error {
  constructor(what: string) {
    super(`the job's budget is used up (${what})`);
    this.name = 'BudgetReachedError';
  }
}

/** What a job has used so far: tokens, and USD for the models with a price (unpriced ones count 0). */
export async function jobSpend(db: Db, jobId: string, prices: Record<string, ModelPrice>): Promise<{ tokens: number; cost_usd: number }> {
  const rows = await db.query<{ model: string; prompt: string; completion: string }>(
    'SELECT model, sum(prompt_tokens)::text AS prompt, sum(completion_tokens)::text AS completion FROM teacher_usage WHERE job_id = $1 GROUP BY model',
    [jobId],
  );
  return {
    tokens: rows.reduce((sum, r) => sum + Number(r.prompt) + Number(r.completion), 0),
    cost_usd: Math.round(rows.reduce((sum, r) => sum + (cost(prices[r.model], Number(r.prompt), Number(r.completion)) ?? 0), 0) * 1e6) / 1e6,
  };
}

/** Checked before every model call of the job, so it stops within one call of its budget. */
export function budgetCheck(db: Db, jobId: string, options: Pick<JobOptions, 'max_tokens' | 'max_cost_usd'>, prices: Record<string, ModelPrice>): BudgetCheck {
  const { max_tokens, max_cost_usd } = options;
  if ((max_tokens ?? null) === null && (max_cost_usd ?? null) === null) return async () => {};
  return async () => {
    const spent = await jobSpend(db, jobId, prices);
    if (max_tokens != null && spent.tokens >= max_tokens) throw new BudgetReachedError(`${spent.tokens} of max_tokens ${max_tokens}`);
    if (max_cost_usd != null && spent.cost_usd >= max_cost_usd) throw new BudgetReachedError(`$${spent.cost_usd} of max_cost_usd $${max_cost_usd}`);
  };
}

/** Adds every call's tokens to the job's totals at once, so usage survives a crash mid-step. */
export class UsageLedger implements UsageSink {
  constructor(
    private readonly db: Db,
    private readonly jobId: string,
  ) {}

  async add(role: JobRole, model: string, usage: Usage | null): Promise<void> {
    await this.db.query(
      `INSERT INTO teacher_usage (job_id, role, model, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (job_id, role, model) DO UPDATE SET calls = teacher_usage.calls + 1,
         prompt_tokens = teacher_usage.prompt_tokens + excluded.prompt_tokens,
         completion_tokens = teacher_usage.completion_tokens + excluded.completion_tokens`,
      [this.jobId, role, model, usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0],
    );
  }
}
