import { LeaseLost } from '../background/abort-reasons.js';
import type { Db } from '../db/db.js';
import type { StepInput, StepKind } from './types.js';

export interface ClaimedStep {
  job_id: string;
  ordinal: number;
  kind: StepKind;
  input: StepInput;
  checkpoint: Record<string, unknown>;
  attempts: number;
}

const LEASE = "lease_until = now() + $4 * interval '1 millisecond'";

/**
 * A claimed step's hold on its row. Every write is fenced by the worker column and the running
 * status, so a worker whose step was cancelled or taken over writes nothing more.
 */
export class StepLease {
  constructor(
    private readonly db: Db,
    readonly step: ClaimedStep,
    private readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  private get key(): unknown[] {
    return [this.step.job_id, this.step.ordinal, this.workerId, this.leaseMs];
  }

  async renew(): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE teacher_steps SET ${LEASE} WHERE job_id = $1 AND ordinal = $2 AND worker = $3 AND status = 'running' RETURNING ordinal`,
      this.key,
    );
    return rows.length > 0;
  }

  /** Saves what the step has finished so far; a resumed step starts from here. */
  async save(checkpoint: Record<string, unknown>): Promise<void> {
    const rows = await this.db.query(
      `UPDATE teacher_steps SET checkpoint = $5, ${LEASE} WHERE job_id = $1 AND ordinal = $2 AND worker = $3 AND status = 'running' RETURNING ordinal`,
      [...this.key, JSON.stringify(checkpoint)],
    );
    if (rows.length === 0) throw new LeaseLost('the teacher step');
  }

  /**
   * Ends the step, adds the steps it produced (scenarios the teacher generated), and ends the job
   * when no step is left: done when every step succeeded, failed when all failed, else partial.
   * The job row is locked first, so two steps finishing at once cannot both see the other still
   * running and leave the job open.
   */
  async finish(status: 'done' | 'failed', error: string | null, next: { kind: StepKind; input: StepInput }[] = []): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM teacher_jobs WHERE id = $1 FOR UPDATE', [this.step.job_id]);
      const [ended] = await tx.query(
        `UPDATE teacher_steps SET status = $4, error = $5, finished_at = now(), worker = NULL, lease_until = NULL
         WHERE job_id = $1 AND ordinal = $2 AND worker = $3 AND status = 'running' RETURNING ordinal`,
        [this.step.job_id, this.step.ordinal, this.workerId, status, error],
      );
      if (ended === undefined) throw new LeaseLost('the teacher step');
      if (next.length > 0) {
        await tx.query(
          `INSERT INTO teacher_steps (job_id, ordinal, kind, input)
           SELECT $1, (SELECT max(ordinal) FROM teacher_steps WHERE job_id = $1) + s.n, s.kind, s.input
           FROM jsonb_to_recordset($2::jsonb) AS s(n int, kind text, input jsonb)`,
          [this.step.job_id, JSON.stringify(next.map((step, i) => ({ n: i + 1, ...step })))],
        );
      }
      await tx.query(
        `UPDATE teacher_jobs j SET finished_at = now(),
                status = CASE WHEN NOT EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status = 'failed') THEN 'done'
                              WHEN NOT EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status = 'done') THEN 'failed'
                              ELSE 'partial' END
         WHERE j.id = $1 AND j.status = 'running'
           AND NOT EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status IN ('pending', 'running'))`,
        [this.step.job_id],
      );
    });
  }

  /** Hands the step back unfinished (shutdown); the interrupted attempt does not count against it. */
  async release(): Promise<void> {
    await this.db.query(
      `UPDATE teacher_steps SET status = 'pending', worker = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
       WHERE job_id = $1 AND ordinal = $2 AND worker = $3 AND status = 'running'`,
      [this.step.job_id, this.step.ordinal, this.workerId],
    );
  }
}
