import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import type { Embedders } from '../retrieval/embedders.js';
import { LeaseLost, ReembedRun, Stopped, type ClaimedJob } from './reembed-run.js';

const IDLE_POLL_MS = 1_000;
// Renewed every batch and by a heartbeat; only a crashed instance lets it lapse.
const DEFAULT_LEASE_MS = 30_000;

export interface ReembedWorkerOptions {
  /** Entries embedded and written per transaction. */
  batchSize: number;
  leaseMs?: number;
}

/**
 * Runs re-embed jobs in the background, one at a time per instance. Jobs are claimed with
 * `FOR UPDATE SKIP LOCKED` and held by a lease, so several instances share the queue and a job
 * whose instance died is resumed by another once the lease lapses; a clean stop releases it at once.
 */
export class ReembedWorker {
  private readonly id = randomUUID();
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private current: AbortController | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly log: Log,
    private readonly options: ReembedWorkerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  start(): void {
    this.schedule(0);
  }

  /** A job was queued: look now rather than at the next poll. */
  wake(): void {
    if (this.running === undefined) this.schedule(0);
  }

  /** Abandons the batch in flight (it is redone on resume) and releases the job. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.current?.abort(new Stopped());
    await this.running;
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
      while (!this.stopped) {
        const job = await this.claim();
        if (job === undefined) break;
        await this.work(job);
      }
    } catch (err) {
      // The database is unreachable or restarting: the lease lapses and the job is resumed later.
      this.log.warn({ err }, 're-embed worker failed; will retry');
      delay = IDLE_POLL_MS * 5;
    }
    this.schedule(delay);
  }

  private async claim(): Promise<ClaimedJob | undefined> {
    const [job] = await this.db.query<ClaimedJob>(
      `UPDATE reembed_jobs SET status = 'running', worker = $1, lease_until = now() + $2 * interval '1 millisecond',
              started_at = coalesce(started_at, now())
       WHERE id = (SELECT id FROM reembed_jobs
                   WHERE status IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, library_id, source_embedder, target_embedder, target_dim, cursor_seq::text AS cursor_seq`,
      [this.id, this.leaseMs],
    );
    return job;
  }

  private async work(job: ClaimedJob): Promise<void> {
    const controller = new AbortController();
    this.current = controller;
    // Keeps the lease while one batch waits on a slow embedding server.
    const heartbeat = setInterval(() => {
      this.renew(job.id).then(
        (owned) => {
          if (!owned) controller.abort(new LeaseLost());
        },
        (err: unknown) => this.log.warn({ err, job: job.id }, 'renewing the re-embed lease failed'),
      );
    }, this.leaseMs / 3);
    const run = new ReembedRun(this.db, job, this.id, this.options.batchSize, this.leaseMs);
    try {
      this.log.info({ job: job.id, library: job.library_id, target: job.target_embedder }, 're-embed job started');
      await run.run(this.embedders.get(job.target_embedder), controller.signal);
      this.log.info({ job: job.id, library: job.library_id }, 're-embed job done: library switched');
    } catch (err) {
      if (err instanceof Stopped) await this.release(job.id);
      else if (err instanceof LeaseLost) this.log.warn({ job: job.id }, 're-embed job lost: taken over by another instance, or its library deleted');
      else {
        this.log.error({ err, job: job.id, library: job.library_id }, 're-embed job failed; library unchanged');
        await run.fail((err as Error).message).catch((failErr: unknown) => {
          if (!(failErr instanceof LeaseLost)) throw failErr;
        });
      }
    } finally {
      clearInterval(heartbeat);
      this.current = undefined;
    }
  }

  private async renew(jobId: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE reembed_jobs SET lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND worker = $2 AND status = 'running' RETURNING id`,
      [jobId, this.id, this.leaseMs],
    );
    return rows.length > 0;
  }

  /** Leaves the job running but unowned, so the next instance resumes it without waiting for the lease. */
  private async release(jobId: string): Promise<void> {
    await this.db.query(`UPDATE reembed_jobs SET worker = NULL, lease_until = NULL WHERE id = $1 AND worker = $2`, [jobId, this.id]);
  }
}
