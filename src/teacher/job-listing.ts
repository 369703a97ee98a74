import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import type { Paged } from '../db/paged.js';
import type { JobKind, JobModels, JobStatus } from './types.js';

/** A job in a listing: what it is and how far it got; GET /v1/jobs/{id} has usage, cost, entries and errors. */
export interface JobSummary {
  id: string;
  library_id: string;
  kind: JobKind;
  status: JobStatus;
  models: JobModels;
  progress: { done: number; failed: number; total: number };
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface JobFilter {
  libraryId?: string;
  kind?: JobKind;
  status?: JobStatus;
  limit: number;
  offset: number;
}

const WHERE = `WHERE ($1::uuid[] IS NULL OR j.library_id = ANY($1::uuid[])) AND ($2::uuid IS NULL OR j.library_id = $2)
  AND ($3::text IS NULL OR j.kind = $3) AND ($4::text IS NULL OR j.status = $4)`;

export class JobListing {
  constructor(private readonly db: Db) {}

  /** Teacher jobs of the libraries the caller may see, newest first. */
  async list(principal: Principal, filter: JobFilter): Promise<Paged<JobSummary>> {
    const params = [principal.libraryIds, filter.libraryId ?? null, filter.kind ?? null, filter.status ?? null];
    const [count] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM teacher_jobs j ${WHERE}`, params);
    const items = await this.db.query<JobSummary>(
      `SELECT j.id, j.library_id, j.kind, j.status, j.models, j.created_at, j.started_at, j.finished_at,
              json_build_object('done', count(s.*) FILTER (WHERE s.status IN ('done', 'failed')), 'failed', count(s.*) FILTER (WHERE s.status = 'failed'),
                                'total', count(s.*)) AS progress
       FROM teacher_jobs j LEFT JOIN teacher_steps s ON s.job_id = j.id
       ${WHERE}
       GROUP BY j.id ORDER BY j.created_at DESC, j.id DESC LIMIT $5 OFFSET $6`,
      [...params, filter.limit, filter.offset],
    );
    return { items, total: count!.n };
  }
}
