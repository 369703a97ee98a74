import pg from 'pg';
import t from 'tap';
import type { Db, Queryable } from '../src/db/db.js';
import { ReplicaReads } from '../src/db/replica-reads.js';
import { ServiceUnavailableError, TransactionAbortedError } from '../src/errors.js';
import { admin, testApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { caughtUp, onReplica, replicaUrl } from './helpers/replica.js';
import { loadConfig } from '../src/config.js';

const silent = { info() {}, warn() {}, error() {} };
const conversation = [{ role: 'user', content: 'I forgot my password and now I am locked out' }];

/** A database that answers every statement with `rows` (or throws `fails`), and remembers the statements. */
function fakeDb(name: string, answer: { rows?: unknown[]; fails?: Error }): Db & { seen: string[] } {
  const seen: string[] = [];
  const query = async <T>(sql: string): Promise<T[]> => {
    seen.push(sql);
    if (answer.fails !== undefined) throw answer.fails;
    return (answer.rows ?? [{ served_by: name }]) as T[];
  };
  const tx: Queryable = { query, exec: async () => undefined };
  return { kind: 'postgres', seen, query, exec: async () => undefined, transaction: (fn) => fn(tx), close: async () => undefined };
}

/** A replica that reports `lagMs` to the routing probe and `served_by: replica` to reads. */
function replicaLagging(lagMs: number | null): Db & { seen: string[] } {
  const db = fakeDb('replica', {});
  const read = db.query.bind(db);
  db.query = async <T>(sql: string, params?: readonly unknown[]) => (/pg_is_in_recovery/.test(sql) ? ([{ lag_ms: lagMs }] as T[]) : read<T>(sql, params));
  return db;
}

t.test('reads go to the replica while its replay lag is within DATABASE_READ_MAX_LAG_MS', async (t) => {
  const reads = new ReplicaReads(replicaLagging(120), fakeDb('primary', {}), 5_000, silent);
  t.same(await reads.query('SELECT 1'), [{ served_by: 'replica' }]);
  t.same(await reads.transaction((tx) => tx.query('SELECT 1')), [{ served_by: 'replica' }]);
  t.same(await reads.status(), { serving: 'replica', lagMs: 120 });
});

t.test('a replica lagging further behind, or whose lag is unknown, leaves reads on the primary', async (t) => {
  for (const lag of [9_000, null]) {
    const reads = new ReplicaReads(replicaLagging(lag), fakeDb('primary', {}), 5_000, silent);
    t.same(await reads.query('SELECT 1'), [{ served_by: 'primary' }], `lag ${lag}`);
    t.equal((await reads.status()).serving, 'primary');
  }
});

t.test('a replica that stops answering sends the read to the primary instead of failing it', async (t) => {
  const replica = replicaLagging(0);
  const reads = new ReplicaReads(replica, fakeDb('primary', {}), 5_000, silent);
  t.equal((await reads.status()).serving, 'replica');
  replica.query = async () => {
    throw new ServiceUnavailableError('database unavailable');
  };
  t.same(await reads.query('SELECT 1'), [{ served_by: 'primary' }]);
  t.same(await reads.status(), { serving: 'primary', lagMs: null });
});

t.test('a read the replica cancels to keep replaying (conflict with recovery) is served by the primary; the replica keeps serving', async (t) => {
  const replica = replicaLagging(0);
  const primary = fakeDb('primary', {});
  const reads = new ReplicaReads(replica, primary, 5_000, silent);
  await reads.status();
  const answer = replica.query.bind(replica);
  replica.query = async () => {
    replica.query = answer;
    throw new TransactionAbortedError('40001', 'canceling statement due to conflict with recovery');
  };
  t.same(await reads.query('SELECT 1'), [{ served_by: 'primary' }]);
  t.equal(primary.seen.length, 1);
  t.same(await reads.query('SELECT 1'), [{ served_by: 'replica' }], 'the next read is the replica\'s again');
  t.same(await reads.status(), { serving: 'replica', lagMs: 0 });
});

t.test("a read's own error (bad SQL, a constraint) is the caller's, not a reason to ask the primary", async (t) => {
  const replica = replicaLagging(0);
  const primary = fakeDb('primary', {});
  const reads = new ReplicaReads(replica, primary, 5_000, silent);
  await reads.status();
  replica.query = async () => {
    throw new Error('syntax error at or near "SELEC"');
  };
  await t.rejects(reads.query('SELEC 1'), /syntax error/);
  t.same(primary.seen, []);
});

t.test('retrieval reads from the read database; writes stay on the primary', async (t) => {
  const { app, db } = await testApp(t);
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  await app.close();
  const seen: string[] = [];
  const counted: Db = {
    kind: db.kind,
    exec: (sql) => db.exec(sql),
    close: async () => undefined,
    query: (sql, params) => (seen.push(sql), db.query(sql, params)),
    transaction: (fn) => db.transaction((tx) => fn({ ...tx, query: (sql, params) => (seen.push(sql), tx.query(sql, params)) })),
  };
  const reading = await testApp(t, { db, readDb: counted });
  const res = await reading.app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation, k: 1 } });
  t.equal(res.statusCode, 200);
  t.equal(res.json().results[0].external_id, 'password-reset');
  t.ok(seen.some((sql) => /guidance_chunks|chunk/i.test(sql)), 'the search ran on the read database');
  t.notOk(seen.some((sql) => /^\s*(INSERT|UPDATE|DELETE)/i.test(sql)), 'nothing was written through it');
});

t.test('served from a real streaming replica through DATABASE_READ_URL', { skip: !usingPostgres || replicaUrl === undefined ? 'needs DATABASE_URL and TEST_DATABASE_READ_URL' : false }, async (t) => {
  const { app, db } = await testApp(t);
  const [current] = await db.query<{ name: string }>('SELECT current_database() AS name');
  const replicated = await testApp(t, { db, env: { DATABASE_URL: 'postgres://unused', DATABASE_READ_URL: onReplica(current!.name) } });
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const replicaAdmin = new pg.Pool({ connectionString: replicaUrl, max: 1 });
  t.teardown(() => replicaAdmin.end());
  await caughtUp(db, replicaAdmin);
  const [standby] = await replicated.app.readDb.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  t.equal(standby!.standby, true, 'the read database is a standby');
  t.equal((await (replicated.app.readDb as ReplicaReads).status()).serving, 'replica');
  const res = await replicated.app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation, k: 1 } });
  t.equal(res.statusCode, 200);
  t.equal(res.json().results[0].external_id, 'password-reset');
});

t.test('DATABASE_READ_URL is refused, naming it, when it is not a postgres URL or there is no primary to replicate', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://a/b', DATABASE_READ_URL: 'mysql://replica/b' }), /DATABASE_READ_URL must start with postgres:\/\//);
  t.throws(() => loadConfig({ DATABASE_READ_URL: 'postgres://replica/b' }), /DATABASE_READ_URL needs DATABASE_URL/);
  t.equal(loadConfig({ DATABASE_URL: 'postgres://a/b', DATABASE_READ_URL: 'postgres://replica/b' }).database.readMaxLagMs, 5_000);
});
