import { ServiceUnavailableError, TransactionAbortedError } from '../errors.js';
import type { Log } from '../logger.js';
import type { Db, Queryable, QueryOptions } from './db.js';

/** Where reads are served from right now, and why; what /metrics reports. */
export interface ReplicaState {
  serving: 'replica' | 'primary';
  /** Replay lag the last probe measured; null when the replica did not answer. */
  lagMs: number | null;
}

const PROBE_EVERY_MS = 1_000;

/**
 * SQLSTATE class 40 from a standby, where nothing is written and no transaction is serializable: the
 * standby cancelled the read because replaying the primary's WAL needed what it held (a conflict
 * with recovery: a lock, a pinned page, removed row versions). The replica is fine; this read is not.
 */
function cancelledByRecovery(err: unknown): boolean {
  return err instanceof TransactionAbortedError;
}

/**
 * On a standby: 0 when everything received is replayed, else the age of the last replayed
 * transaction (an upper bound of the lag). On a primary, where these functions return null, 0.
 */
const LAG_SQL = `SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                             ELSE (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 END AS lag_ms`;

/**
 * Reads that may be served from a streaming replica: the replica while its replay lag is within
 * `maxLagMs`, else the primary; a replica that does not answer sends the read to the primary too,
 * so a lost replica costs capacity, not availability, and so does a read the replica cancels to
 * keep replaying. Only for reads that tolerate that lag:
 * reads-after-write go to the primary's own Db.
 */
export class ReplicaReads implements Db {
  readonly kind = 'postgres' as const;
  private state: ReplicaState = { serving: 'primary', lagMs: null };
  private probedAt = -Infinity;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly replica: Db,
    private readonly primary: Db,
    private readonly maxLagMs: number,
    private readonly log: Log,
  ) {}

  async status(): Promise<ReplicaState> {
    await this.fresh();
    return { ...this.state };
  }

  query<T>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    return this.routed((db) => db.query<T>(sql, params, options));
  }

  exec(sql: string): Promise<void> {
    return this.routed((db) => db.exec(sql));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.routed((db) => db.transaction(fn));
  }

  /** Closes the replica pool only: the primary belongs to its opener. */
  close(): Promise<void> {
    return this.replica.close();
  }

  private async routed<T>(run: (db: Db) => Promise<T>): Promise<T> {
    await this.fresh();
    if (this.state.serving === 'primary') return run(this.primary);
    try {
      return await run(this.replica);
    } catch (err) {
      if (cancelledByRecovery(err)) {
        this.log.warn({ err }, 'the read replica cancelled a read (conflict with recovery); it is served by the primary');
        return run(this.primary);
      }
      if (!(err instanceof ServiceUnavailableError)) throw err;
      this.lost(err);
      return run(this.primary);
    }
  }

  /** At most one probe a second, shared by the reads waiting for it. */
  private async fresh(): Promise<void> {
    if (performance.now() - this.probedAt < PROBE_EVERY_MS) return;
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    await this.probing;
  }

  private async probe(): Promise<void> {
    try {
      const [row] = await this.replica.query<{ lag_ms: number | null }>(LAG_SQL);
      const lagMs = row?.lag_ms ?? Infinity;
      const serving = lagMs <= this.maxLagMs ? 'replica' : 'primary';
      if (serving !== this.state.serving) this.log.warn({ lagMs, maxLagMs: this.maxLagMs, serving }, 'read replica routing changed');
      this.state = { serving, lagMs: Number.isFinite(lagMs) ? lagMs : null };
    } catch (err) {
      this.lost(err);
    }
    this.probedAt = performance.now();
  }

  private lost(err: unknown): void {
    if (this.state.serving === 'replica') this.log.warn({ err }, 'read replica unavailable; reads go to the primary');
    this.state = { serving: 'primary', lagMs: null };
    this.probedAt = performance.now();
  }
}
