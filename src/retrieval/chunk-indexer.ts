import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';

const IDLE_POLL_MS = 500;

/**
 * Moves chunks from guidance_chunks_pending into the HNSW-indexed guidance_chunks, a batch per
 * transaction, so bulk writes never wait for index maintenance. Rows are claimed with SKIP LOCKED,
 * so several service instances share the work.
 */
export class ChunkIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly log: Log,
    /** Rows per transaction. PGlite is one connection: smaller batches keep other queries waiting less. */
    private readonly batchSize: number,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Moves one batch; returns how many rows moved. */
  async moveBatch(): Promise<number> {
    const rows = await this.db.query<{ moved: number }>(
      `WITH batch AS (
         SELECT id FROM guidance_chunks_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), moved AS (
         DELETE FROM guidance_chunks_pending p USING batch WHERE p.id = batch.id
         RETURNING p.id, p.entry_id, p.library_id, p.embedder, p.kind, p.ordinal, p.dim, p.embedding
       ), inserted AS (
         INSERT INTO guidance_chunks (id, entry_id, library_id, embedder, kind, ordinal, dim, embedding)
         SELECT id, entry_id, library_id, embedder, kind, ordinal, dim, embedding FROM moved
         RETURNING 1
       )
       SELECT count(*)::int AS moved FROM inserted`,
      [this.batchSize],
    );
    return rows[0]?.moved ?? 0;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }, delay);
  }

  private async drain(): Promise<void> {
    let delay = IDLE_POLL_MS;
    try {
      while (!this.stopped && (await this.moveBatch()) > 0);
    } catch (err) {
      // A failed batch (database restarting, entry deleted mid-move) is retried on the next pass.
      this.log.warn({ err }, 'moving pending chunks into the vector index failed; will retry');
      delay = IDLE_POLL_MS * 4;
    }
    this.schedule(delay);
  }
}
