import pg from 'pg';
import type { Db, Queryable } from '../../src/db/db.js';
import { openPostgres } from '../../src/db/postgres-db.js';
import { ReplicaReads } from '../../src/db/replica-reads.js';
import { waitFor } from './wait-for.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

const silent = { info() {}, warn() {}, error() {} };

/**
 * A streaming replica of the test server (CI starts one with pg_basebackup): when set, every test
 * app reads retrieval from it. Its URL names the replica's `postgres` database; tests' own
 * databases, made on the primary, reach it by replication.
 */
export const replicaUrl = process.env.TEST_DATABASE_READ_URL === '' ? undefined : process.env.TEST_DATABASE_READ_URL;

/** The URL of `database` on the replica. */
export function onReplica(database: string): string {
  const url = new URL(replicaUrl!);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Waits until the replica has replayed everything the primary has written so far. The insert
 * position, not the write position: with synchronous_commit = off (CI) a commit may not be written yet.
 */
export async function caughtUp(primary: Queryable, replicaAdmin: pg.Pool): Promise<void> {
  const [row] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const lsn = row!.lsn;
  await waitFor(
    async () => (await replicaAdmin.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn])).rows[0]!.done,
    { timeout: 30_000, interval: 10, message: `the replica did not replay the primary's WAL up to ${lsn}` },
  );
}

/**
 * The replica's copy of `database`, for reads, routed as production routes them (ReplicaReads: a
 * read the replica cancels or cannot answer goes to the primary). Each read first waits for the
 * replica to replay the primary's writes so far: tests read right after writing, which production
 * sends to the primary; here the read must be served by the replica and still see them.
 */
export function replicaOf(t: Teardown, primary: Db, database: string): Db {
  const admin = new pg.Pool({ connectionString: replicaUrl, max: 1 });
  const replica = openPostgres({ url: onReplica(database), poolMax: 5, logger: silent });
  t.teardown(async () => {
    await replica.close();
    await admin.end();
  });
  const after = async <T>(read: () => Promise<T>) => {
    await caughtUp(primary, admin);
    return read();
  };
  const caughtUpReplica: Db = {
    kind: 'postgres',
    query: (sql, params, options) => after(() => replica.query(sql, params, options)),
    exec: (sql) => after(() => replica.exec(sql)),
    transaction: (fn) => after(() => replica.transaction(fn)),
    close: () => replica.close(),
  };
  return new ReplicaReads(caughtUpReplica, primary, 5_000, silent);
}
