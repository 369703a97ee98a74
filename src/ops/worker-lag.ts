import type { Db } from '../db/db.js';

/**
 * How long the oldest work waiting for each background worker has waited, in seconds (0: none
 * waiting). Growing lag means the instances' workers do not keep up: add instances, or
 * TEACHER_CONCURRENCY.
 */
const WORKER_LAG_SQL = `
  SELECT 'teacher' AS worker, coalesce(extract(epoch FROM now() - min(j.created_at)), 0)::float8 AS seconds
  FROM teacher_jobs j
  WHERE j.status IN ('pending', 'running')
    AND EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status = 'pending')
  UNION ALL
  SELECT 'reembed', coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM reembed_jobs WHERE status = 'pending'`;

export async function workerLag(db: Db): Promise<{ worker: string; seconds: number }[]> {
  return db.query(WORKER_LAG_SQL);
}

/** Chunks written but not yet moved into the HNSW index (searched by exact scan meanwhile). */
export async function chunksAwaitingIndex(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM guidance_chunks_pending');
  return row?.n ?? 0;
}
