import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadEnvFile } from '../src/env-file.js';
import { ADMIN_KEY } from './helpers/app.js';
import { oneLine, run, scratch } from './helpers/cli.js';
import { openTestDb } from './helpers/db.js';

/** The warnings one start-up logs. */
async function startWarnings(db: Awaited<ReturnType<typeof openTestDb>>, env: Record<string, string>): Promise<string[]> {
  const lines: { level: number; msg: string }[] = [];
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'warn', ...env }), { db, logStream: { write: (line) => void lines.push(JSON.parse(line)) } });
  await app.close();
  return lines.filter((l) => l.level === 40).map((l) => l.msg);
}

t.test('a start with no admin key at all says what to set; once an admin key exists it does not', async (t) => {
  const db = await openTestDb(t);
  const [warning, ...others] = await startWarnings(db, {});
  t.same(others, []);
  t.match(warning, /^no admin API key exists and COACH_ADMIN_KEY is not set/);
  t.match(warning, /set COACH_ADMIN_KEY to a secret of at least 16 characters/);
  t.match(warning, /create the other keys with POST \/v1\/keys/);

  t.same(await startWarnings(db, { COACH_ADMIN_KEY: ADMIN_KEY }), [], 'no warning while COACH_ADMIN_KEY is set');
  t.same(await startWarnings(db, {}), [], 'nor after, when the admin key it made is in the database');
  await db.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE role = 'admin'");
  t.match(await startWarnings(db, {}), [/^no admin API key exists/], 'an expired admin key does not count');
  await db.query("UPDATE api_keys SET expires_at = NULL, revoked_at = now() WHERE role = 'admin'");
  t.match(await startWarnings(db, {}), [/^no admin API key exists/], 'nor does a revoked one');
});

t.test('loadEnvFile fills in only what the environment does not set', async (t) => {
  const dir = await scratch(t);
  const file = path.join(dir, '.env');
  await writeFile(file, '# comment\nPORT=9000\nLOG_LEVEL=debug\nCOACH_ADMIN_KEY="a quoted secret value"\n');
  const env: NodeJS.ProcessEnv = { PORT: '8081', LOG_LEVEL: '' };
  t.equal(loadEnvFile(file, env), true);
  t.same(env, { PORT: '8081', LOG_LEVEL: '', COACH_ADMIN_KEY: 'a quoted secret value' }, 'set, even to "", wins');
  t.equal(loadEnvFile(path.join(dir, 'absent.env'), env), false, 'no file is no error');
  await mkdir(path.join(dir, 'dir.env'));
  t.throws(() => loadEnvFile(path.join(dir, 'dir.env'), env), { message: `cannot read ${path.join(dir, 'dir.env')}: EISDIR: illegal operation on a directory, read` });
});

t.test('npm start reads .env from its working directory, under the environment', async (t) => {
  const cwd = await scratch(t);
  await writeFile(path.join(cwd, '.env'), 'PORT=from-dotenv\n');
  oneLine(t, await run('src/main.ts', [], { cwd }), 2, 'invalid configuration: PORT must be an integer, got "from-dotenv"');
  oneLine(t, await run('src/main.ts', [], { cwd, env: { PORT: 'from-environment' } }), 2, 'invalid configuration: PORT must be an integer, got "from-environment"');
});
