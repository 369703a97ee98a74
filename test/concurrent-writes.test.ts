import t from 'tap';
import { admin, testApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';
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
