import { createHash } from 'node:crypto';
import type { ModelEndpointConfig, ModelRole } from '../config.js';
import type { Db } from '../db/db.js';
import { ModelNotConfiguredError } from '../errors.js';
import { ChatModel, type Usage } from '../models/chat-model.js';
import type { UsageSink } from './model-calls.js';
import type { JobEndpoints, JobModels, TeachingRole } from './types.js';

export const TEACHING_ROLES: readonly TeachingRole[] = ['teacher', 'student', 'customer'];

/**
 * Which endpoint serves a role, comparable across instances. Hashed, because a base URL may carry
 * credentials; the API key is left out, since another key for the same server serves the same models.
 */
function fingerprint(endpoint: ModelEndpointConfig): string {
  return createHash('sha256').update(new URL(endpoint.baseUrl).href.replace(/\/+$/, '')).digest('hex');
}

/**
 * The model endpoint of each role, configured like the student's; a job may name another model on
 * the same endpoint (never another endpoint: a job must not make the service call arbitrary URLs).
 */
export class TeachingModels {
  private readonly clients = new Map<string, ChatModel>();

  constructor(private readonly endpoints: Partial<Record<ModelRole, ModelEndpointConfig>>) {}

  /**
   * The model of each role for a new job, and the endpoints an instance needs to run it; an
   * unconfigured role is a 503 naming its variables.
   */
  resolve(overrides: Partial<JobModels> = {}): { models: JobModels; endpoints: JobEndpoints } {
    const name = (role: TeachingRole) => {
      const endpoint = this.endpoints[role];
      if (endpoint === undefined) throw new ModelNotConfiguredError(role);
      return overrides[role] ?? endpoint.model;
    };
    return { models: { teacher: name('teacher'), student: name('student'), customer: name('customer') }, endpoints: this.served()! };
  }

  /** The endpoints this instance serves the roles with; undefined when a role is not configured (it can run no job). */
  served(): JobEndpoints | undefined {
    const { teacher, student, customer } = this.endpoints;
    if (teacher === undefined || student === undefined || customer === undefined) return undefined;
    return { teacher: fingerprint(teacher), student: fingerprint(student), customer: fingerprint(customer) };
  }

  /** Clients for a job's models; throws when a role has lost its configuration since submission. */
  forJob(models: JobModels): Record<TeachingRole, ChatModel> {
    const client = (role: TeachingRole) => {
      const endpoint = this.endpoints[role];
      if (endpoint === undefined) throw new ModelNotConfiguredError(role);
      const key = `${role}\u0000${models[role]}`;
      let model = this.clients.get(key);
      if (model === undefined) {
        model = new ChatModel(role, { ...endpoint, model: models[role] });
        this.clients.set(key, model);
      }
      return model;
    };
    return { teacher: client('teacher'), student: client('student'), customer: client('customer') };
  }
}

/** Adds every call's tokens to the job's totals at once, so usage survives a crash mid-step. */
export class UsageLedger implements UsageSink {
  constructor(
    private readonly db: Db,
    private readonly jobId: string,
  ) {}

  async add(role: TeachingRole, model: string, usage: Usage | null): Promise<void> {
    await this.db.query(
      `INSERT INTO teacher_usage (job_id, role, model, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, 1, $4, $5)
       ON CONFLICT (job_id, role, model) DO UPDATE SET calls = teacher_usage.calls + 1,
         prompt_tokens = teacher_usage.prompt_tokens + excluded.prompt_tokens,
         completion_tokens = teacher_usage.completion_tokens + excluded.completion_tokens`,
      [this.jobId, role, model, usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0],
    );
  }
}
