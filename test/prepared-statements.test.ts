import t from 'tap';
import { buildApp } from '../src/app.js';
import { ConfigError } from '../src/config/env.js';
import { admin, testConfig } from './helpers/app.js';
import { freshDatabaseUrl, usingPostgres } from './helpers/db.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

const REFUND = [{ role: 'user', content: 'I want my money back for a jacket I bought 45 days ago' }];

/** The app on a database of its own with one connection, so the session's prepared statements are the app's. */
async function appWith(t: { teardown(fn: () => unknown): void }, prepared: 'on' | 'off') {
  const url = await freshDatabaseUrl(t);
  const app = await buildApp(testConfig({ DATABASE_URL: url, DB_POOL_MAX: '1', DB_PREPARED_STATEMENTS: prepared }));
  t.teardown(() => app.close());
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const retrieve = async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: REFUND, k: 2 } });
    if (res.statusCode !== 200) throw new Error(`retrieve answered ${res.statusCode}: ${res.body}`);
    return res.json().results.map((r: { external_id: string }) => r.external_id);
  };
  const statements = async () => (await app.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'coach_%'"))[0]!.n;
  return { retrieve, prepared: statements };
}

t.test('retrieval keeps its two statements prepared on the connection, and DB_PREPARED_STATEMENTS=off (for PgBouncer) prepares none, with the same results', { skip: !usingPostgres && 'PGlite has no named statements' }, async (t) => {
  const on = await appWith(t, 'on');
  const first = await on.retrieve();
  t.equal(first[0], 'refund-late');
  t.same(await on.retrieve(), first);
  t.equal(await on.prepared(), 2, 'the search and the selection facts');

  const off = await appWith(t, 'off');
  t.same(await off.retrieve(), first);
  t.equal(await off.prepared(), 0);
});

t.test('DB_PREPARED_STATEMENTS takes on or off', async (t) => {
  t.throws(() => testConfig({ DB_PREPARED_STATEMENTS: 'yes' }), ConfigError);
  t.throws(() => testConfig({ DB_PREPARED_STATEMENTS: 'yes' }), /DB_PREPARED_STATEMENTS/);
  t.equal(testConfig({}).database.preparedStatements, true);
});
