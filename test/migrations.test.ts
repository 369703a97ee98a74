import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { migrate } from '../src/db/migrate.js';
import { admin, ADMIN_KEY, bearer, createKey, testConfig } from './helpers/app.js';
import { openPglite } from '../src/db/pglite-db.js';
import { openPostgres } from '../src/db/postgres-db.js';
import { freshDatabaseUrl, openTestDb, usingPostgres } from './helpers/db.js';
import { emptyPgliteImage } from './helpers/pglite-template.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATIONS = (await readdir(path.join(ROOT, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();

/** Log lines of one app, parsed. */
function capture(): { lines: Array<Record<string, unknown>>; write(line: string): void } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, write: (line) => void lines.push(JSON.parse(line)) };
}

t.test('restarting on a migrated database applies nothing and keeps the data', async (t) => {
  // An empty database (the PGlite test helper hands out an already migrated one).
  const db = usingPostgres ? await openTestDb(t) : await openPglite(undefined, await emptyPgliteImage());
  if (!usingPostgres) t.teardown(() => db.close());
  const firstLog = capture();
  const first = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { db, logStream: firstLog });
  const applied = firstLog.lines.find((l) => l.msg === 'migrations applied');
  t.same(applied?.applied, MIGRATIONS, 'the first start applies every migration file, in order');
  const key = await createKey(first, { role: 'teacher', name: 'survives restarts' });
  const before = await db.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM schema_migrations ORDER BY name');
  await first.close();

  for (const round of [1, 2]) {
    const log = capture();
    const again = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { db, logStream: log });
    t.teardown(() => again.close());
    t.notOk(log.lines.some((l) => l.msg === 'migrations applied'), `restart ${round} applies nothing`);
    const after = await db.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM schema_migrations ORDER BY name');
    t.same(after, before, 'one row per migration file, recorded once');
    t.same(after.map((r) => r.name), MIGRATIONS);
    t.equal((await again.inject({ method: 'GET', url: '/v1/keys', headers: bearer(key.key) })).statusCode, 403, 'the key made before still authenticates');
    const listed = (await again.inject({ method: 'GET', url: '/v1/keys', headers: admin })).json().items;
    t.ok(listed.some((k: { id: string }) => k.id === key.id));
    t.equal(listed.filter((k: { role: string }) => k.role === 'admin').length, 1, 'the bootstrap admin key is not duplicated');
    t.equal((await again.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    await again.close();
  }
});

/** A copy of migrations/ that a test may change. */
async function migrationsCopy(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'coach-migrations-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'migrations');
  await cp(path.join(ROOT, 'migrations'), dir, { recursive: true });
  return dir;
}

t.test('applied migrations are append-only: a changed or missing file stops the start, naming it', async (t) => {
  const db = await openTestDb(t);
  await migrate(db);

  const changed = await migrationsCopy(t);
  await appendFile(path.join(changed, '001_init.sql'), '\n-- an afterthought\n');
  await writeFile(path.join(changed, '999_next.sql'), 'CREATE TABLE never_created (id int);');
  await t.rejects(migrate(db, changed), {
    message: 'migrations/001_init.sql was changed after it was applied; migrations are append-only: add a new numbered file',
  });
  t.same(await db.query("SELECT to_regclass('never_created') AS found"), [{ found: null }], 'nothing newer is applied either');

  const missing = await migrationsCopy(t);
  await rm(path.join(missing, '003_reembed.sql'));
  await t.rejects(migrate(db, missing), {
    message: 'migrations/003_reembed.sql was applied but is missing; migrations are append-only: restore the file',
  });

  await db.query("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = '002_chat.sql'");
  await t.rejects(buildApp(testConfig(), { db }), {
    message: 'migrations/002_chat.sql was changed after it was applied; migrations are append-only: add a new numbered file',
  }, 'the service refuses to start');
});

t.test('a database migrated before checksums were recorded takes them from the files present at upgrade', async (t) => {
  const db = await openTestDb(t);
  await migrate(db);
  await db.exec('ALTER TABLE schema_migrations DROP COLUMN checksum');
  t.same(await migrate(db), [], 'nothing is applied again');
  const expected = await Promise.all(
    MIGRATIONS.map(async (name) => ({ name, checksum: createHash('sha256').update(await readFile(path.join(ROOT, 'migrations', name))).digest('hex') })),
  );
  t.same(await db.query('SELECT name, checksum FROM schema_migrations ORDER BY name'), expected, 'one sha256 per applied file');

  const changed = await migrationsCopy(t);
  await appendFile(path.join(changed, '004_teacher.sql'), '\n-- edited after the upgrade\n');
  await t.rejects(migrate(db, changed), { message: /^migrations\/004_teacher\.sql was changed after it was applied/ }, 'and from then on enforced');
});

/** Runs the real entry point and resolves with its exit code and output (killed after 60 s). */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, COACH_ADMIN_KEY: ADMIN_KEY, PORT: '0', LOG_LEVEL: 'info', ...env };
  if (env.DATABASE_URL === undefined) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: childEnv });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

t.test('embedded PGlite persists in COACH_DATA_DIR and locks it', { skip: usingPostgres && 'DATABASE_URL is set' }, async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coach-data-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  // What PGlite's initdb would write there, without its ~5 s (shutdown.test.ts starts on an empty directory).
  await (await openPglite(dataDir, await emptyPgliteImage())).close();
  const config = testConfig({ COACH_DATA_DIR: dataDir });

  const first = await buildApp(config);
  let firstOpen = true;
  t.teardown(() => (firstOpen ? first.close() : undefined));
  const key = await createKey(first, { role: 'student' });

  // Another process on the same directory would corrupt it: it must refuse to start, saying why.
  const second = await runMain({ COACH_DATA_DIR: dataDir });
  t.not(second.code, 0, 'a second process on the same data directory fails');
  t.match(second.stderr, `data directory ${dataDir} is in use by process ${process.pid}`);
  t.match(second.stderr, 'coach.lock');
  t.equal((await first.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'the first one is unharmed');

  await first.close();
  firstOpen = false;
  const restarted = await buildApp(config);
  t.teardown(() => restarted.close());
  t.equal((await restarted.inject({ method: 'GET', url: '/v1/keys', headers: bearer(key.key) })).statusCode, 403, 'the key survived the restart');
  const listed = (await restarted.inject({ method: 'GET', url: '/v1/keys', headers: admin })).json().items;
  t.ok(listed.some((k: { id: string }) => k.id === key.id));
});

t.test('instances starting together on one Postgres database migrate it once', { skip: !usingPostgres && 'needs DATABASE_URL' }, async (t) => {
  const url = await freshDatabaseUrl(t);
  const config = testConfig({ DATABASE_URL: url, DB_POOL_MAX: '3' });
  const results = await Promise.allSettled([1, 2, 3].map(() => buildApp(config)));
  for (const result of results) if (result.status === 'fulfilled') t.teardown(() => result.value.close());
  t.same(
    results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started')),
    ['started', 'started', 'started'],
    'every instance starts',
  );
  const [app] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  const db = openPostgres({ url, poolMax: 1, logger: { info() {}, warn() {}, error() {} } });
  t.teardown(() => db.close());
  const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  t.same(rows.map((r) => r.name), MIGRATIONS, 'each migration recorded exactly once');
  const admins = await db.query("SELECT id FROM api_keys WHERE role = 'admin'");
  t.equal(admins.length, 1, 'one bootstrap admin key');
  t.equal((await app!.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});
