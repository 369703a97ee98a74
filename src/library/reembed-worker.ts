import { LeaseLost, WorkerStopped } from '../background/abort-reasons.js';
import { Leases, type ClaimQuery, type Lease, type LeasedTable } from '../background/lease.js';
import { PollingLoop } from '../background/polling-loop.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import type { Embedders } from '../retrieval/embedders.js';
import { ReembedRun, type ClaimedJob } from './reembed-run.js';

export const REEMBED_JOBS: LeasedTable = { name: 'reembed_jobs', key: ['id'], what: 'the re-embed job' };

/** The oldest job whose target embedder this instance runs: $3 local ids, $4 and $5 the configured embedder and its dimension. */
export const NEXT_JOB: ClaimQuery = {
  from: 'reembed_jobs c',
  where: '(c.target_embedder ~ $3 OR (c.target_embedder = $4 AND c.target_dim = $5))',
  orderBy: 'c.created_at',
  returning: 'c.id, c.library_id, c.source_embedder, c.target_embedder, c.target_dim, c.cursor_seq::text AS cursor_seq',
};

export interface ReembedWorkerOptions {
  /** Entries embedded and written per transaction. */
  batchSize: number;
  leaseMs?: number;
}

/**
 * Runs re-embed jobs in the background, one at a time per instance. Jobs are claimed and held by
 * a lease, so several instances share the queue and a job whose instance died is resumed by
 * another once the lease lapses; a clean stop releases it at once. Instances configured with
 * other embedders share one database, so a worker claims only jobs whose target embedder it can
 * run: any other it would fail.
 */
export class ReembedWorker {
  private readonly leases: Leases;
  private readonly loop: PollingLoop;
  private current: AbortController | undefined;

  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly log: Log,
    private readonly options: ReembedWorkerOptions,
  ) {
    this.leases = new Leases(db, REEMBED_JOBS, options.leaseMs);
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
    const { localIds, configured } = this.embedders.runnable();
    const claimed = await this.leases.claim<ClaimedJob>(NEXT_JOB, [localIds, configured?.id ?? null, configured?.dimension ?? null]);
    if (claimed === undefined) return false;
    await this.work(claimed.row, claimed.lease);
    return true;
  }

  private async work(job: ClaimedJob, lease: Lease): Promise<void> {
    const controller = new AbortController();
    this.current = controller;
    // Keeps the lease while one batch waits on a slow embedding server.
    const stopHeartbeat = lease.keepAlive(controller, this.log, { job: job.id });
    const run = new ReembedRun(this.db, job, lease, this.options.batchSize);
    try {
      this.log.info({ job: job.id, library: job.library_id, target: job.target_embedder }, 're-embed job started');
      await run.run(this.embedders.get(job.target_embedder), controller.signal);
      this.log.info({ job: job.id, library: job.library_id }, 're-embed job done: library switched');
    } catch (err) {
      // Leaves the job running but unowned, so the next instance resumes it without waiting for the lease.
      if (err instanceof WorkerStopped) await lease.end();
      else if (err instanceof LeaseLost) this.log.warn({ job: job.id }, 're-embed job lost: taken over by another instance, or its library deleted');
      else {
        this.log.error({ err, job: job.id, library: job.library_id }, 're-embed job failed; library unchanged');
        await run.fail((err as Error).message).catch((failErr: unknown) => {
          if (!(failErr instanceof LeaseLost)) throw failErr;
        });
      }
    } finally {
      stopHeartbeat();
      this.current = undefined;
    }
  }
}
