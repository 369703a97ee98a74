import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/db.js';
import type { Log } from '../logger.js';
import { LeaseLost } from './abort-reasons.js';

// Renewed by a heartbeat and by the work's own writes; only a crashed instance lets it lapse.
const DEFAULT_LEASE_MS = 30_000;

const LEASE_FROM_NOW = (ms: string) => `lease_until = now() + ${ms} * interval '1 millisecond'`;

/**
 * A table of work that service instances share. A row is worked on by one worker at a time:
 * `status` is 'running' while it is held, `worker` and `lease_until` say by whom and until when.
 */
export interface LeasedTable {
  name: string;
  /** The columns that identify a row. */
  key: readonly string[];
  /** The row as named in log lines and LeaseLost messages, e.g. 'the re-embed job'. */
  what: string;
}

/** Which row of a LeasedTable a worker takes next. The table is `c` in every fragment. */
export interface ClaimQuery {
  /** The table as `c`, with any joins the conditions need. */
  from: string;
  /** Conditions beyond the row being open and its lease lapsed; parameters are numbered from $3. */
  where: string;
  orderBy: string;
  /** Assignments beyond status, worker, lease and started_at. */
  set?: string;
  /** Columns of the claimed row to return; the key columns among them. */
  returning: string;
  /** Further data-modifying CTEs of the same statement, reading `claimed`. */
  alsoWith?: string;
}

/**
 * One statement (no transaction held open across round trips, PGlite is one connection): the next
 * open row whose lease lapsed, locked with SKIP LOCKED so instances claiming at once take different
 * rows, marked running under a new lease. $1 is the worker, $2 the lease in milliseconds.
 */
export function claimStatement(table: LeasedTable, q: ClaimQuery): string {
  const keyColumns = table.key.map((column) => `c.${column}`).join(', ');
  const sameRow = table.key.map((column) => `c.${column} = next.${column}`).join(' AND ');
  return `WITH next AS (
  SELECT ${keyColumns} FROM ${q.from}
  WHERE c.status IN ('pending', 'running') AND (c.lease_until IS NULL OR c.lease_until < now())
    AND ${q.where}
  ORDER BY ${q.orderBy} LIMIT 1 FOR UPDATE OF c SKIP LOCKED
), claimed AS (
  UPDATE ${table.name} c SET status = 'running', worker = $1, ${LEASE_FROM_NOW('$2')},
         started_at = coalesce(c.started_at, now())${q.set === undefined ? '' : `, ${q.set}`}
  FROM next WHERE ${sameRow}
  RETURNING ${q.returning}
)${q.alsoWith === undefined ? '' : `, ${q.alsoWith}`}
SELECT * FROM claimed`;
}

/** One worker's claims on a LeasedTable: the identity its leases are held under, and their length. */
export class Leases {
  private readonly workerId = randomUUID();

  constructor(
    private readonly db: Db,
    private readonly table: LeasedTable,
    private readonly ms: number = DEFAULT_LEASE_MS,
  ) {}

  /** The claimed row, and the lease the worker now holds it by; undefined when no row is open to it. */
  async claim<T extends object>(q: ClaimQuery, params: readonly unknown[] = []): Promise<{ row: T; lease: Lease } | undefined> {
    const [row] = await this.db.query<T>(claimStatement(this.table, q), [this.workerId, this.ms, ...params]);
    if (row === undefined) return undefined;
    const key = this.table.key.map((column) => (row as Record<string, unknown>)[column]);
    return { row, lease: new Lease(this.db, this.table, key, this.workerId, this.ms) };
  }
}

/**
 * A claimed row's hold. Every write through it is fenced by the worker column and the running
 * status, so a worker whose row was cancelled, finished or taken over writes nothing more.
 * Assignments number their own parameters from $1.
 */
export class Lease {
  constructor(
    private readonly db: Db,
    private readonly table: LeasedTable,
    private readonly key: readonly unknown[],
    private readonly workerId: string,
    private readonly ms: number,
  ) {}

  /** False when the row is no longer this worker's. */
  renew(): Promise<boolean> {
    return this.fenced(LEASE_FROM_NOW('$1'), [this.ms], this.db);
  }

  /** Writes to the held row and renews the lease; a row that is no longer this worker's is LeaseLost. */
  async update(set: string, params: readonly unknown[], q: Queryable = this.db): Promise<void> {
    const renewed = `${set}, ${LEASE_FROM_NOW(`$${params.length + 1}`)}`;
    if (!(await this.fenced(renewed, [...params, this.ms], q))) throw this.lost();
  }

  /** Lets go of the row, with assignments saying how it is left; false when it was no longer this worker's. */
  end(set?: string, params: readonly unknown[] = [], q: Queryable = this.db): Promise<boolean> {
    const free = 'worker = NULL, lease_until = NULL';
    return this.fenced(set === undefined ? free : `${set}, ${free}`, params, q);
  }

  lost(): LeaseLost {
    return new LeaseLost(this.table.what);
  }

  /**
   * Renews the lease every third of it, so work that waits long on a model or embedding server
   * keeps its row, until the returned function is called. A renewal that finds the row gone
   * (cancelled, or taken over) aborts `controller` with LeaseLost; one that fails (database
   * restarting) is logged, and the next one tries again.
   */
  keepAlive(controller: AbortController, log: Log, context: Record<string, unknown>): () => void {
    const heartbeat = setInterval(() => {
      this.renew().then(
        (held) => {
          if (!held) controller.abort(this.lost());
        },
        (err: unknown) => log.warn({ err, ...context }, `renewing the lease of ${this.table.what} failed`),
      );
    }, this.ms / 3);
    return () => clearInterval(heartbeat);
  }

  private async fenced(set: string, params: readonly unknown[], q: Queryable): Promise<boolean> {
    const first = params.length + 1;
    const sameRow = this.table.key.map((column, i) => `${column} = $${first + i}`).join(' AND ');
    const rows = await q.query(
      `UPDATE ${this.table.name} SET ${set} WHERE ${sameRow} AND worker = $${first + this.table.key.length} AND status = 'running' RETURNING 1`,
      [...params, ...this.key, this.workerId],
    );
    return rows.length > 0;
  }
}
