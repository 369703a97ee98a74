import type { Db } from '../db/db.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Embedders } from '../retrieval/embedders.js';
import type { Library } from './types.js';

export const REEMBED_STATUSES = ['pending', 'running', 'done', 'failed'] as const;
export type ReembedStatus = (typeof REEMBED_STATUSES)[number];

export interface ReembedJob {
  id: string;
  library_id: string;
  status: ReembedStatus;
  source_embedder: string;
  target_embedder: string;
  target_dim: number;
  /** Entries whose current content has chunks of the target embedder. */
  done: number;
  total: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

// A finished job keeps its final counts; a running one is counted live, so entries written during
// the job show up in both numbers.
const VIEW = `SELECT j.id, j.library_id, j.status, j.source_embedder, j.target_embedder, j.target_dim, j.error,
         j.created_at, j.started_at, j.finished_at,
         coalesce(j.done_entries, (SELECT count(*)::int FROM reembed_entries r JOIN guidance_entries e
                                   ON e.id = r.entry_id AND e.content_hash = r.content_hash WHERE r.job_id = j.id)) AS done,
         coalesce(j.total_entries, (SELECT count(*)::int FROM guidance_entries e WHERE e.library_id = j.library_id)) AS total
  FROM reembed_jobs j`;

/** Requests to move a library to another embedder; ReembedWorker carries them out. */
export class ReembedJobs {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    /** Called after a job is queued, so a worker in this process starts at once instead of at its next poll. */
    private readonly queued: () => void,
  ) {}

  async request(library: Library, embedderId: string, requestedBy: string): Promise<ReembedJob> {
    const target = this.embedders.get(embedderId);
    let created: { id: string } | undefined;
    try {
      // The source is read in the same statement, so it is the embedder the job will replace.
      [created] = await this.db.query<{ id: string }>(
        `INSERT INTO reembed_jobs (library_id, source_embedder, target_embedder, target_dim, requested_by)
         SELECT id, embedder, $2, $3, $4 FROM libraries WHERE id = $1 AND embedder <> $2
         RETURNING id`,
        [library.id, target.id, target.dimension, requestedBy],
      );
    } catch (err) {
      // Another request queued this library's one unfinished job first.
      if (!isUniqueViolation(err, 'reembed_jobs_active_key')) throw err;
      const active = await this.latest(library);
      throw new ConflictError(`library ${library.id} already has a ${active.status} re-embed job to ${active.target_embedder}`, { job_id: active.id });
    }
    if (created === undefined) throw new ConflictError(`library ${library.id} already uses ${target.id}`, { field: 'embedder' });
    this.queued();
    return this.get(created.id);
  }

  /** The library's most recent job. */
  async latest(library: Library): Promise<ReembedJob> {
    const [job] = await this.db.query<ReembedJob>(`${VIEW} WHERE j.library_id = $1 ORDER BY j.created_at DESC LIMIT 1`, [library.id]);
    if (job === undefined) throw new NotFoundError(`re-embed job of library ${library.id}`);
    return job;
  }

  private async get(id: string): Promise<ReembedJob> {
    const [job] = await this.db.query<ReembedJob>(`${VIEW} WHERE j.id = $1`, [id]);
    if (job === undefined) throw new NotFoundError('re-embed job', id);
    return job;
  }
}
