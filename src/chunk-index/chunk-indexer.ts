import { PollingLoop } from '../background/polling-loop.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import { INDEXED_CHUNKS, PENDING_CHUNKS } from './chunk-tables.js';

/**
 * Takes up to $1 pending rows no other instance is moving, centroids first (retrieval scans pending
 * centroids exactly), and moves them in one statement.
 */
export const MOVE_PENDING_BATCH = `WITH batch AS (
  SELECT id FROM ${PENDING_CHUNKS} ORDER BY kind <> 'centroid', id LIMIT $1 FOR UPDATE SKIP LOCKED
), moved AS (
  DELETE FROM ${PENDING_CHUNKS} p USING batch WHERE p.id = batch.id
  RETURNING p.id, p.entry_id, p.library_id, p.embedder, p.kind, p.ordinal, p.dim, p.embedding
), inserted AS (
  INSERT INTO ${INDEXED_CHUNKS} (id, entry_id, library_id, embedder, kind, ordinal, dim, embedding)
  SELECT id, entry_id, library_id, embedder, kind, ordinal, dim, embedding FROM moved
  RETURNING 1
)
SELECT count(*)::int AS moved FROM inserted`;

/**
 * Moves chunks from guidance_chunks_pending into the HNSW-indexed guidance_chunks, a batch per
 * transaction, so bulk writes never wait for index maintenance. Rows are claimed with SKIP LOCKED,
 * so several service instances share the work; a failed batch (database restarting, entry deleted
 * mid-move) is simply retried.
 */
export class ChunkIndexer {
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Db,
    log: Log,
    /** Rows per transaction. PGlite is one connection: smaller batches keep other queries waiting less. */
    private readonly batchSize: number,
  ) {
    this.loop = new PollingLoop(async () => (await this.moveBatch()) > 0, log, {
      name: 'moving pending chunks into the vector index',
      idleMs: 500,
      errorBackoffMs: 2_000,
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Moves one batch; returns how many rows moved. */
  async moveBatch(): Promise<number> {
    const rows = await this.db.query<{ moved: number }>(MOVE_PENDING_BATCH, [this.batchSize]);
    return rows[0]?.moved ?? 0;
  }
}
