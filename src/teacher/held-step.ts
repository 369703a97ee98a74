import type { Lease, LeasedTable } from '../background/lease.js';
import type { Db } from '../db/db.js';
import { recordJobStep } from '../ops/instruments.js';
import type { StepInput, StepKind } from './types.js';

/** Why a job stopped before running out of steps. */
export type StopReason = 'budget' | 'max_rounds' | 'min_gain' | 'no_failures';

export const TEACHER_STEPS: LeasedTable = { name: 'teacher_steps', key: ['job_id', 'ordinal'], what: 'the teacher step' };

export interface ClaimedStep {
  job_id: string;
  ordinal: number;
  kind: StepKind;
  input: StepInput;
  checkpoint: Record<string, unknown>;
  attempts: number;
}

/** A step this worker claimed, with its lease: saving its progress, and what ending it does to its job. */
export class HeldStep {
  constructor(
    private readonly db: Db,
    readonly step: ClaimedStep,
    readonly lease: Lease,
  ) {}

  /** Saves what the step has finished so far; a resumed step starts from here. */
  save(checkpoint: Record<string, unknown>): Promise<void> {
    return this.lease.update('checkpoint = $1', [JSON.stringify(checkpoint)]);
  }

  /**
   * Ends the step, adds the steps it produced (scenarios the teacher generated), and ends the job
   * when no step is left: done when every step succeeded, failed when all failed, else partial.
   * The job row is locked first, so two steps finishing at once cannot both see the other still
   * running and leave the job open.
   */
  async finish(status: 'done' | 'failed', error: string | null, next: { kind: StepKind; input: StepInput }[] = [], stop?: StopReason): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM teacher_jobs WHERE id = $1 FOR UPDATE', [this.step.job_id]);
      if (!(await this.lease.end('status = $1, error = $2, finished_at = now()', [status, error], tx))) throw this.lease.lost();
      if (stop !== undefined) {
        await tx.query("UPDATE teacher_jobs SET report = report || jsonb_build_object('stop_reason', $2::text) WHERE id = $1", [this.step.job_id, stop]);
        // A budget stops everything not started; a round's verdict leaves nothing behind it anyway.
        await tx.query(
          "UPDATE teacher_steps SET status = 'cancelled', error = $2, finished_at = now() WHERE job_id = $1 AND status = 'pending'",
          [this.step.job_id, `not started: the job stopped (${stop})`],
        );
      }
      if (next.length > 0) {
        await tx.query(
          `INSERT INTO teacher_steps (job_id, ordinal, kind, input)
           SELECT $1, (SELECT max(ordinal) FROM teacher_steps WHERE job_id = $1) + s.n, s.kind, s.input
           FROM jsonb_to_recordset($2::jsonb) AS s(n int, kind text, input jsonb)`,
          [this.step.job_id, JSON.stringify(next.map((step, i) => ({ n: i + 1, ...step })))],
        );
      }
      // Adaptive jobs: the last step of a round is followed by the round's measurement.
      if (this.step.kind !== 'evaluate') {
        await tx.query(
          `INSERT INTO teacher_steps (job_id, ordinal, kind, input)
           SELECT j.id, (SELECT max(ordinal) + 1 FROM teacher_steps WHERE job_id = j.id), 'evaluate',
                  (SELECT e.input - 'first' || jsonb_build_object('round', (SELECT count(*) FROM teacher_steps WHERE job_id = j.id AND kind = 'evaluate'))
                   FROM teacher_steps e WHERE e.job_id = j.id AND e.kind = 'evaluate' ORDER BY e.ordinal LIMIT 1)
           FROM teacher_jobs j
           WHERE j.id = $1 AND EXISTS (SELECT 1 FROM teacher_steps e WHERE e.job_id = j.id AND e.kind = 'evaluate') AND NOT j.report ? 'stop_reason'
             AND NOT EXISTS (SELECT 1 FROM teacher_steps s WHERE s.job_id = j.id AND s.status IN ('pending', 'running'))`,
          [this.step.job_id],
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
    recordJobStep(this.step.kind, status);
  }

  /** Hands the step back unfinished (shutdown); the interrupted attempt does not count against it. */
  async release(): Promise<void> {
    await this.lease.end("status = 'pending', attempts = greatest(attempts - 1, 0)");
  }
}
