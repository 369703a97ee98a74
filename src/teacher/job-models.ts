import type { ModelRole } from '../config.js';
import type { Db } from '../db/db.js';
import { ModelNotConfiguredError } from '../errors.js';
import type { ChatModel, Usage } from '../models/chat-model.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { UsageSink } from './model-calls.js';
import type { JobEndpoints, JobModels } from './types.js';

/** In the order a job's usage is shown. */
export const JOB_ROLES: readonly ModelRole[] = ['teacher', 'student', 'customer'];

/** The endpoints this instance serves the roles with; undefined when a role is not configured (it can run no job). */
export function servedEndpoints(models: ModelRegistry): JobEndpoints | undefined {
  const [teacher, student, customer] = JOB_ROLES.map((role) => models.endpointFingerprint(role));
  if (teacher === undefined || student === undefined || customer === undefined) return undefined;
  return { teacher, student, customer };
}

/**
 * The model of each role for a new job (the configured one unless the job names another on the
 * same endpoint), and the endpoints an instance needs to run it; an unconfigured role is a 503
 * naming its variables.
 */
export function jobModels(models: ModelRegistry, overrides: Partial<JobModels> = {}): { models: JobModels; endpoints: JobEndpoints } {
  const name = (role: ModelRole) => {
    const configured = models.modelName(role);
    if (configured === null) throw new ModelNotConfiguredError(role);
    return overrides[role] ?? configured;
  };
  return { models: { teacher: name('teacher'), student: name('student'), customer: name('customer') }, endpoints: servedEndpoints(models)! };
}

/** Clients for a job's models; throws when a role has lost its configuration since submission. */
export function jobClients(models: ModelRegistry, job: JobModels): Record<ModelRole, ChatModel> {
  return { teacher: models.get('teacher', job.teacher), student: models.get('student', job.student), customer: models.get('customer', job.customer) };
}

/** Adds every call's tokens to the job's totals at once, so usage survives a crash mid-step. */
export class UsageLedger implements UsageSink {
  constructor(
    private readonly db: Db,
    private readonly jobId: string,
  ) {}

  async add(role: ModelRole, model: string, usage: Usage | null): Promise<void> {
    await this.db.query(
      `INSERT INTO teacher_usage (job_id, role, model, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (job_id, role, model) DO UPDATE SET calls = teacher_usage.calls + 1,
         prompt_tokens = teacher_usage.prompt_tokens + excluded.prompt_tokens,
         completion_tokens = teacher_usage.completion_tokens + excluded.completion_tokens`,
      [this.jobId, role, model, usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0],
    );
  }
}
