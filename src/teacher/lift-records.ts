import type { Db } from '../db/db.js';
import { NotFoundError } from '../errors.js';

/** One measurement of an entry's (or a pending revision's) lift on one student model. */
export interface LiftRecord {
  entry_id: string;
  entry_version: number;
  /** The entry's version now: a measurement of an older version may no longer hold. */
  current_version: number;
  scenario: string;
  status: string;
  revision_id: string | null;
  job_id: string | null;
  student_model: string;
  judge_model: string;
  lift: number;
  interval: [number, number];
  passed_with: number;
  n_with: number;
  passed_without: number;
  n_without: number;
  min_lift: number;
  accepted: boolean;
  states: number;
  retrieved_states: number;
  best_rank: number | null;
  median_rank: number | null;
  measured_at: Date;
}

const COLUMNS = `l.entry_id, l.entry_version, e.version AS current_version, e.scenario, e.status, l.revision_id, l.job_id, l.student_model, l.judge_model,
  l.lift, jsonb_build_array(l.lift_low, l.lift_high) AS "interval", l.lift_low AS lower_bound, l.passed_with, l.n_with, l.passed_without, l.n_without, l.min_lift, l.accepted,
  l.states, l.retrieved_states, l.best_rank, l.median_rank, l.measured_at`;

/** Measured lift as evidence: per entry and per student model, so guidance that helps one student and not another shows as such. */
export class LiftRecords {
  constructor(private readonly db: Db) {}

  /** The latest measurement of each entry itself (not of a revision) for one student model, highest lift first. */
  byModel(libraryId: string, studentModel: string, limit: number): Promise<LiftRecord[]> {
    return this.db.query<LiftRecord>(
      `SELECT * FROM (
         SELECT DISTINCT ON (l.entry_id) ${COLUMNS}
         FROM guidance_lift l JOIN guidance_entries e ON e.id = l.entry_id
         WHERE l.library_id = $1 AND l.student_model = $2 AND l.revision_id IS NULL AND e.status <> 'retired'
         ORDER BY l.entry_id, l.measured_at DESC, l.id
       ) latest ORDER BY lift DESC, lower_bound DESC, entry_id LIMIT $3`,
      [libraryId, studentModel, limit],
    );
  }

  /** Every measurement of one entry and its revisions, per model, newest first. */
  async ofEntry(libraryId: string, entryId: string): Promise<LiftRecord[]> {
    const [entry] = await this.db.query('SELECT 1 FROM guidance_entries WHERE library_id = $1 AND id = $2', [libraryId, entryId]);
    if (entry === undefined) throw new NotFoundError('guidance entry', entryId);
    return this.db.query<LiftRecord>(
      `SELECT ${COLUMNS} FROM guidance_lift l JOIN guidance_entries e ON e.id = l.entry_id
       WHERE l.library_id = $1 AND l.entry_id = $2 ORDER BY l.measured_at DESC, l.id`,
      [libraryId, entryId],
    );
  }
}
