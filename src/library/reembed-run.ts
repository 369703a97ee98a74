import type { Lease } from '../background/lease.js';
import { deleteChunks, replaceChunks } from '../chunk-index/chunk-writer.js';
import { embedEntries } from '../chunk-index/entry-chunks.js';
import type { Db, Queryable } from '../db/db.js';
import type { Embedder } from '../retrieval/embedder.js';
import type { GuidanceContent } from './types.js';

export interface ClaimedJob {
  id: string;
  library_id: string;
  source_embedder: string;
  target_embedder: string;
  target_dim: number;
  cursor_seq: string;
}

interface EntryRow extends GuidanceContent {
  id: string;
  seq: string;
  content_hash: string;
}

const ENTRY_COLUMNS = 'e.id, e.seq::text AS seq, e.scenario, e.guidance, e.examples, e.tags, e.policy_refs, e.content_hash';
// Entries without target chunks of their current content: written during the job, or not reached yet.
const STALE = `e.library_id = $1 AND NOT EXISTS (
  SELECT 1 FROM reembed_entries r WHERE r.job_id = $2 AND r.entry_id = e.id AND r.content_hash = e.content_hash)`;
const DELETE_PAGE = 5_000;

/** Settles with `work`, or rejects with the signal's reason (WorkerStopped, LeaseLost) as soon as it aborts. */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => (onAbort = () => reject(signal.reason)));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * One claimed job, carried out: a first pass over the entries in insertion order, batch by batch
 * (resumable from `cursor_seq`), then passes over entries written during the job, then the switch.
 * Every transaction starts with a write fenced by the job's lease, so an instance that lost it
 * cannot write over the one that took the job.
 */
export class ReembedRun {
  private cursor: string;

  constructor(
    private readonly db: Db,
    private readonly job: ClaimedJob,
    private readonly lease: Lease,
    private readonly batchSize: number,
  ) {
    this.cursor = job.cursor_seq;
  }

  async run(target: Embedder, signal: AbortSignal): Promise<void> {
    if (target.dimension !== this.job.target_dim) {
      throw new Error(`${target.id} now has dimension ${target.dimension}, the job was requested for ${this.job.target_dim}`);
    }
    for (;;) {
      signal.throwIfAborted();
      const next = await this.nextFirstPass();
      const batch = next.length > 0 ? next : await this.staleEntries(this.batchSize);
      if (batch.length > 0) await this.embed(target, batch, next.length > 0, signal);
      else if (await this.trySwitch()) return;
    }
  }

  /** Marks the job failed and removes the target chunks written so far; the library stays as it was. */
  async fail(error: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Never the chunks search is using, whatever went wrong.
      if ((await this.lockLibrary(tx)) !== this.job.target_embedder) await this.dropChunks(tx, this.job.target_embedder);
      await this.finish(tx, 'failed', error);
    });
  }

  private nextFirstPass(): Promise<EntryRow[]> {
    return this.db.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM guidance_entries e WHERE e.library_id = $1 AND e.seq > $2::bigint ORDER BY e.seq LIMIT $3`,
      [this.job.library_id, this.cursor, this.batchSize],
    );
  }

  private staleEntries(limit: number, q: Queryable = this.db): Promise<EntryRow[]> {
    return q.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM guidance_entries e WHERE ${STALE} ORDER BY e.seq LIMIT $3`, [
      this.job.library_id,
      this.job.id,
      limit,
    ]);
  }

  private async embed(target: Embedder, batch: EntryRow[], firstPass: boolean, signal: AbortSignal): Promise<void> {
    const chunks = await unlessAborted(embedEntries(target, batch.map((row) => ({ id: row.id, content: row }))), signal);
    const cursor = firstPass ? batch[batch.length - 1]!.seq : this.cursor;
    await this.db.transaction(async (tx) => {
      await this.fence(tx, cursor);
      const ids = batch.map((row) => row.id);
      await replaceChunks(tx, this.job.library_id, target, ids, chunks);
      // The hash read with the content: if the entry changed since, it is stale and embedded again.
      await tx.query(
        `INSERT INTO reembed_entries (job_id, entry_id, content_hash)
         SELECT $1, x.entry_id, x.content_hash FROM unnest($2::uuid[], $3::text[]) AS x(entry_id, content_hash)
         ON CONFLICT (job_id, entry_id) DO UPDATE SET content_hash = excluded.content_hash`,
        [this.job.id, ids, batch.map((row) => row.content_hash)],
      );
    });
    this.cursor = cursor;
  }

  /**
   * Switches the library when no entry lacks target chunks. The library row is locked first, so a
   * write that committed before the switch is seen by the check below and embedded in another pass.
   */
  private trySwitch(): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const embedder = await this.lockLibrary(tx);
      if (embedder !== this.job.source_embedder) {
        throw new Error(`the library's embedder changed from ${this.job.source_embedder} to ${embedder} during the job`);
      }
      if ((await this.staleEntries(1, tx)).length > 0) return false;
      await tx.query('UPDATE libraries SET embedder = $2, embedding_dim = $3, updated_at = now() WHERE id = $1', [
        this.job.library_id,
        this.job.target_embedder,
        this.job.target_dim,
      ]);
      await this.dropChunks(tx, this.job.source_embedder);
      await this.finish(tx, 'done', null);
      return true;
    });
  }

  /**
   * Locks the library row against entry writes (they hold it FOR SHARE), then fences the job;
   * returns the library's embedder. A deleted library ends the job like a lost lease.
   */
  private async lockLibrary(tx: Queryable): Promise<string> {
    const [library] = await tx.query<{ embedder: string }>('SELECT embedder FROM libraries WHERE id = $1 FOR NO KEY UPDATE', [this.job.library_id]);
    if (library === undefined) throw this.lease.lost();
    await this.fence(tx);
    return library.embedder;
  }

  /** Renews the lease and advances the cursor, or throws LeaseLost when the job is not ours any more. */
  private fence(tx: Queryable, cursor: string = this.cursor): Promise<void> {
    return this.lease.update('cursor_seq = greatest(cursor_seq, $1::bigint)', [cursor], tx);
  }

  private async dropChunks(tx: Queryable, embedderId: string): Promise<void> {
    const rows = await tx.query<{ id: string }>('SELECT id FROM guidance_entries WHERE library_id = $1', [this.job.library_id]);
    const ids = rows.map((row) => row.id);
    for (let start = 0; start < ids.length; start += DELETE_PAGE) {
      await deleteChunks(tx, embedderId, ids.slice(start, start + DELETE_PAGE));
    }
  }

  /** Called after the transaction's fence, so the lease still holds. */
  private async finish(tx: Queryable, status: 'done' | 'failed', error: string | null): Promise<void> {
    await this.lease.end(
      `status = $1, error = $2, finished_at = now(),
       done_entries = (SELECT count(*)::int FROM reembed_entries r JOIN guidance_entries e
                       ON e.id = r.entry_id AND e.content_hash = r.content_hash WHERE r.job_id = reembed_jobs.id),
       total_entries = (SELECT count(*)::int FROM guidance_entries e WHERE e.library_id = reembed_jobs.library_id)`,
      [status, error],
      tx,
    );
    await tx.query('DELETE FROM reembed_entries WHERE job_id = $1', [this.job.id]);
  }
}
