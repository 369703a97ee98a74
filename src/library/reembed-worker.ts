import { randomUUID } from 'node:crypto';
import { PollingLoop } from '../background/polling-loop.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import type { Embedders } from '../retrieval/embedders.js';
import { LeaseLost, WorkerStopped } from '../background/abort-reasons.js';
import { ReembedRun, type ClaimedJob } from './reembed-run.js';

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
  private readonly loop: PollingLoop;
  private current: AbortController | undefined;

  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly log: Log,
    private readonly options: ReembedWorkerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    // A failed pass (database unreachable or restarting) lets the lease lapse; the job resumes later.
    this.loop = new PollingLoop(() => this.runNextJob(), log, { name: 're-embed worker', idleMs: 1_000, errorBackoffMs: 5_000 });
  }

  start(): void {
    this.loop.start();
  }

  /** A job was queued: look now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Abandons the batch in flight (it is redone on resume) and releases the job. */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.current?.abort(new WorkerStopped());
    await stopped;
  }

  private async runNextJob(): Promise<boolean> {
    const job = await this.claim();
    if (job === undefined) return false;
    await this.work(job);
    return true;
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
          if (!owned) controller.abort(new LeaseLost('the re-embed job'));
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
      if (err instanceof WorkerStopped) await this.release(job.id);
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
