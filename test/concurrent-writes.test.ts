import t from 'tap';
import { admin, testApp } from './helpers/app.js';
import type { Db } from '../src/db/db.js';
import { TransactionAbortedError } from '../src/errors.js';
import { openTestDb, usingPostgres } from './helpers/db.js';
import { createLibrary, importEntries } from './helpers/library.js';

const WORDS = ['refund', 'order', 'cancel', 'delivery', 'address', 'parcel', 'voucher', 'account', 'password', 'payment', 'invoice', 'shipping'];

/** Entry i's text at round r: the same words in another order and variant, so edits share lexemes. */
const text = (i: number, r: number) => WORDS.map((w, j) => `${w}${(i + j + r) % 3}`).sort((a, b) => ((a.charCodeAt(1) * (r + 7)) % 11) - ((b.charCodeAt(1) * (r + 7)) % 11)).join(' ');

t.test('concurrent edits of entries in one library all succeed: the document-frequency trigger takes its row locks in one order', { skip: !usingPostgres && 'one PGlite connection never runs two writes at once' }, async (t) => {
  const { app } = await testApp(t, { env: { DB_POOL_MAX: '8' } });
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, [0, 1, 2, 3].map((i) => ({ scenario: text(i, 0), guidance: text(i, 1) })));
  const statuses: number[] = [];
  await Promise.all(
    ids.map(async (id, i) => {
      for (let r = 0; r < 25; r++) {
        const res = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${id}`, headers: admin, payload: { scenario: text(i, r + 2), guidance: text(i + 1, r) } });
        statuses.push(res.statusCode);
      }
    }),
  );
  t.same(statuses.filter((s) => s !== 200), [], 'no edit failed (a deadlock answered 500)');
  t.equal(statuses.length, 100);
});

t.test('a transaction the server aborts for a concurrent one (a deadlock) is a typed, retryable conflict, not a bare error', { skip: !usingPostgres && 'one PGlite connection never runs two transactions at once' }, async (t) => {
  const db = await openTestDb(t);
  await db.exec('CREATE TABLE pair (id int PRIMARY KEY, n int); INSERT INTO pair VALUES (1, 0), (2, 0)');
  let bothHoldOne!: () => void;
  const holding = new Promise<void>((resolve) => (bothHoldOne = resolve));
  let held = 0;
  // Each locks one row, waits until the other holds its own, then asks for the other's: a deadlock.
  const crossing = (first: number, second: number) =>
    db.transaction(async (tx) => {
      await tx.query('UPDATE pair SET n = n + 1 WHERE id = $1', [first]);
      if (++held === 2) bothHoldOne();
      await holding;
      await tx.query('UPDATE pair SET n = n + 1 WHERE id = $1', [second]);
    });
  const outcomes = await Promise.allSettled([crossing(1, 2), crossing(2, 1)]);
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  t.equal(failed.length, 1, 'the server aborts one of the two');
  t.type(failed[0], TransactionAbortedError);
  t.equal((failed[0] as TransactionAbortedError).sqlstate, '40P01');
  t.same(await db.query('SELECT id, n FROM pair ORDER BY id'), [{ id: 1, n: 1 }, { id: 2, n: 1 }], "the aborted transaction wrote nothing; the other's writes stand");
});

t.test('a request whose transaction the database aborted answers 503 with Retry-After, and the retry succeeds', async (t) => {
  const db = await openTestDb(t);
  let abortNext = false;
  const aborting: Db = {
    ...db,
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    transaction: (fn) => {
      if (!abortNext) return db.transaction(fn);
      abortNext = false;
      return Promise.reject(new TransactionAbortedError('40P01', 'deadlock detected'));
    },
  };
  const { app } = await testApp(t, { db: aborting });
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, [{ scenario: 'customer wants a refund', guidance: 'check the order first' }]);
  const patch = () => app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${ids[0]}`, headers: admin, payload: { guidance: 'check the order date first' } });
  abortNext = true;
  const aborted = await patch();
  t.equal(aborted.statusCode, 503);
  t.equal(aborted.headers['retry-after'], '1');
  t.match(aborted.json().error, { code: 'service_unavailable', message: /aborted this request.*nothing was written, retry/ });
  const retried = await patch();
  t.equal(retried.statusCode, 200, retried.body);
  t.equal(retried.json().entry.version, 2, 'the aborted attempt left no version behind');
});
