import { randomUUID } from 'node:crypto';
import { PollingLoop } from '../background/polling-loop.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import { LeaseLost, WorkerStopped } from '../background/abort-reasons.js';
import { StepLease, type ClaimedStep } from './step-lease.js';
import type { StepRunner } from './step-runner.js';
import type { JobEndpoints } from './types.js';

// Renewed by a heartbeat and at every checkpoint; only a crashed instance lets it lapse.
const DEFAULT_LEASE_MS = 30_000;
// A step that took its instance down this many times is not tried again.
const MAX_ATTEMPTS = 3;

export interface TeacherWorkerOptions {
  concurrency: number;
  /** The endpoints this instance serves the roles with; undefined: a role is unconfigured, so it runs nothing. */
  endpoints: JobEndpoints | undefined;
  leaseMs?: number;
}

/**
 * Runs teacher steps in the background, up to `concurrency` at once per instance. Steps are
 * claimed with `FOR UPDATE SKIP LOCKED` and held by a lease, so instances share the queue and a
 * step whose instance died is resumed (from its checkpoint) once the lease lapses; a clean stop
 * hands running steps back at once. Instances configured differently share one database, so a
 * worker claims only steps of jobs whose endpoints are its own: any other would fail them.
 */
export class TeacherWorker {
  private readonly id = randomUUID();
  private readonly leaseMs: number;
  private readonly active = new Map<string, { jobId: string; controller: AbortController; done: Promise<void> }>();
  private readonly loop: PollingLoop;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly runner: StepRunner,
    private readonly log: Log,
    private readonly options: TeacherWorkerOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    // A failed claim (database unreachable or restarting) lets leases lapse; steps resume later.
    this.loop = new PollingLoop(() => this.claimOne(), log, { name: 'teacher worker', idleMs: 1_000, errorBackoffMs: 5_000 });
  }

  start(): void {
    if (this.options.endpoints === undefined) {
      this.log.info({}, 'teacher worker not started: the teacher, student and customer models are not all configured');
      return;
    }
    this.loop.start();
  }

  /** A job was queued or a step finished: look now rather than at the next poll. */
  wake(): void {
    if (this.options.endpoints !== undefined) this.loop.wake();
  }

  /** A job was cancelled: stop its steps running here now rather than at their next checkpoint. */
  cancelled(jobId: string): void {
    for (const run of this.active.values()) if (run.jobId === jobId) run.controller.abort(new LeaseLost('the teacher step'));
  }

  /** Abandons the model calls in flight (redone on resume) and hands the steps back. */
  async stop(): Promise<void> {
    this.stopped = true;
    const claiming = this.loop.stop();
    for (const run of this.active.values()) run.controller.abort(new WorkerStopped());
    await claiming;
    await Promise.all([...this.active.values()].map((run) => run.done));
  }

  /** Claims and starts one step while there is capacity; true when it did. */
  private async claimOne(): Promise<boolean> {
    if (this.active.size >= this.options.concurrency) return false;
    const step = await this.claim();
    if (step === undefined) return false;
    // Stopped while claiming: hand it straight back.
    if (this.stopped) {
      await new StepLease(this.db, step, this.id, this.leaseMs).release();
      return false;
    }
    this.launch(step);
    return true;
  }

  /** One statement (no transaction held open across round trips): claims a step and marks its job started. */
  private async claim(): Promise<ClaimedStep | undefined> {
    const [step] = await this.db.query<ClaimedStep>(
      `WITH next AS (
         SELECT s.job_id, s.ordinal FROM teacher_steps s JOIN teacher_jobs j ON j.id = s.job_id
         WHERE j.status IN ('pending', 'running') AND (j.endpoints IS NULL OR j.endpoints = $3::jsonb)
           AND s.status IN ('pending', 'running') AND (s.lease_until IS NULL OR s.lease_until < now())
         ORDER BY j.created_at, s.ordinal LIMIT 1 FOR UPDATE OF s SKIP LOCKED),
       claimed AS (
         UPDATE teacher_steps s SET status = 'running', worker = $1, lease_until = now() + $2 * interval '1 millisecond',
                attempts = s.attempts + 1, started_at = coalesce(s.started_at, now())
         FROM next WHERE s.job_id = next.job_id AND s.ordinal = next.ordinal
         RETURNING s.job_id, s.ordinal, s.kind, s.input, s.checkpoint, s.attempts),
       started AS (
         UPDATE teacher_jobs j SET status = 'running', started_at = coalesce(j.started_at, now())
         FROM claimed WHERE j.id = claimed.job_id AND j.status = 'pending')
       SELECT job_id, ordinal, kind, input, checkpoint, attempts FROM claimed`,
      [this.id, this.leaseMs, JSON.stringify(this.options.endpoints)],
    );
    return step;
  }

  private launch(step: ClaimedStep): void {
    const key = `${step.job_id}:${step.ordinal}`;
    const controller = new AbortController();
    const done = this.work(new StepLease(this.db, step, this.id, this.leaseMs), controller).finally(() => {
      this.active.delete(key);
      this.loop.wake();
    });
    this.active.set(key, { jobId: step.job_id, controller, done });
  }

  private async work(lease: StepLease, controller: AbortController): Promise<void> {
    const { step } = lease;
    const where = { job: step.job_id, step: step.ordinal };
    // Keeps the lease while a model call is slow; notices a cancellation from another instance.
    const heartbeat = setInterval(() => {
      lease.renew().then(
        (owned) => {
          if (!owned) controller.abort(new LeaseLost('the teacher step'));
        },
        (err: unknown) => this.log.warn({ err, ...where }, 'renewing a teacher step lease failed'),
      );
    }, this.leaseMs / 3);
    try {
      if (step.attempts > MAX_ATTEMPTS) {
        await lease.finish('failed', `gave up after ${MAX_ATTEMPTS} attempts: the instance running it stopped each time`);
        return;
      }
      const result = await this.runner.run(lease, controller.signal);
      await lease.finish('done', null, result.next);
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof WorkerStopped) {
        await lease.release().catch((releaseErr: unknown) => this.log.warn({ err: releaseErr, ...where }, 'releasing a teacher step failed; its lease will lapse'));
      }
      else if (reason instanceof LeaseLost) this.log.info(where, 'teacher step stopped: cancelled or taken over');
      else {
        this.log.warn({ err: reason, ...where }, 'teacher step failed');
        await lease.finish('failed', (reason as Error).message).catch((finishErr: unknown) => {
          if (!(finishErr instanceof LeaseLost)) this.log.error({ err: finishErr, ...where }, 'recording a failed teacher step failed');
        });
      }
    } finally {
      clearInterval(heartbeat);
    }
  }
}
