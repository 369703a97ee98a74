import { LeaseLost, WorkerStopped } from '../background/abort-reasons.js';
import { Leases, type ClaimQuery } from '../background/lease.js';
import { PollingLoop } from '../background/polling-loop.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import { HeldStep, TEACHER_STEPS, type ClaimedStep } from './held-step.js';
import { BudgetReachedError } from './job-models.js';
import type { StepRunner } from './step-runner.js';
import type { JobEndpoints } from './types.js';

/** A step of the oldest job whose endpoints ($3) are this instance's; the job is marked started in the same statement. */
export const NEXT_STEP: ClaimQuery = {
  from: 'teacher_steps c JOIN teacher_jobs j ON j.id = c.job_id',
  where: "j.status IN ('pending', 'running') AND (j.endpoints IS NULL OR j.endpoints = $3::jsonb)",
  orderBy: 'j.created_at, c.ordinal',
  set: 'attempts = c.attempts + 1',
  returning: 'c.job_id, c.ordinal, c.kind, c.input, c.checkpoint, c.attempts',
  alsoWith: `started AS (
  UPDATE teacher_jobs j SET status = 'running', started_at = coalesce(j.started_at, now())
  FROM claimed WHERE j.id = claimed.job_id AND j.status = 'pending'
)`,
};

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
 * claimed and held by a lease, so instances share the queue and a step whose instance died is
 * resumed (from its checkpoint) once the lease lapses; a clean stop hands running steps back at once. Instances configured differently share one database, so a
 * worker claims only steps of jobs whose endpoints are its own: any other would fail them.
 */
export class TeacherWorker {
  private readonly leases: Leases;
  private readonly active = new Map<string, { jobId: string; controller: AbortController; done: Promise<void> }>();
  private readonly loop: PollingLoop;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly runner: StepRunner,
    private readonly log: Log,
    private readonly options: TeacherWorkerOptions,
  ) {
    this.leases = new Leases(db, TEACHER_STEPS, options.leaseMs);
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
    for (const run of this.active.values()) if (run.jobId === jobId) run.controller.abort(new LeaseLost(TEACHER_STEPS.what));
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
    const held = await this.claim();
    if (held === undefined) return false;
    // Stopped while claiming: hand it straight back.
    if (this.stopped) {
      await held.release();
      return false;
    }
    this.launch(held);
    return true;
  }

  private async claim(): Promise<HeldStep | undefined> {
    const claimed = await this.leases.claim<ClaimedStep>(NEXT_STEP, [JSON.stringify(this.options.endpoints)]);
    return claimed === undefined ? undefined : new HeldStep(this.db, claimed.row, claimed.lease);
  }

  private launch(held: HeldStep): void {
    const { step } = held;
    const key = `${step.job_id}:${step.ordinal}`;
    const controller = new AbortController();
    const done = this.work(held, controller).finally(() => {
      this.active.delete(key);
      this.loop.wake();
    });
    this.active.set(key, { jobId: step.job_id, controller, done });
  }

  private async work(held: HeldStep, controller: AbortController): Promise<void> {
    const { step } = held;
    const where = { job: step.job_id, step: step.ordinal };
    // Keeps the lease while a model call is slow; notices a cancellation from another instance.
    const stopHeartbeat = held.lease.keepAlive(controller, this.log, where);
    try {
      if (step.attempts > MAX_ATTEMPTS) {
        await held.finish('failed', `gave up after ${MAX_ATTEMPTS} attempts: the instance running it stopped each time`);
        return;
      }
      const result = await this.runner.run(held, controller.signal);
      await held.finish('done', null, result.next, result.stop);
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof WorkerStopped) {
        await held.release().catch((releaseErr: unknown) => this.log.warn({ err: releaseErr, ...where }, 'releasing a teacher step failed; its lease will lapse'));
      }
      else if (reason instanceof LeaseLost) this.log.info(where, 'teacher step stopped: cancelled or taken over');
      else if (reason instanceof BudgetReachedError) {
        this.log.info({ ...where, reason: reason.message }, 'teacher job stopped at its budget');
        // What the step finished stays; the step is done, with why it stopped short.
        await held.finish('done', `stopped: ${reason.message}`, [], 'budget');
      }
      else {
        this.log.warn({ err: reason, ...where }, 'teacher step failed');
        await held.finish('failed', (reason as Error).message).catch((finishErr: unknown) => {
          if (!(finishErr instanceof LeaseLost)) this.log.error({ err: finishErr, ...where }, 'recording a failed teacher step failed');
        });
      }
    } finally {
      stopHeartbeat();
    }
  }
}
