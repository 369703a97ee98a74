import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

t.test('a valid environment loads, with defaults for what is unset', async (t) => {
  const config = loadConfig({
    PORT: '9000',
    DATABASE_URL: 'postgresql://u:p@db:5432/coach',
    COACH_ADMIN_KEY: 'a-long-enough-admin-key',
    EMBEDDER: 'openai',
    EMBEDDINGS_BASE_URL: 'http://127.0.0.1:11434/v1',
    EMBEDDINGS_MODEL: 'nomic-embed-text',
    EMBEDDINGS_DIMENSIONS: '768',
  });
  t.equal(config.server.port, 9000);
  t.equal(config.database.url, 'postgresql://u:p@db:5432/coach');
  t.equal(config.auth.adminKey, 'a-long-enough-admin-key');
  t.match(config.embedder, { kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text', dimension: 768 });
  const defaults = loadConfig({});
  t.equal(defaults.server.port, 8080);
  t.equal(defaults.server.host, '127.0.0.1');
  t.equal(defaults.database.url, undefined, 'no DATABASE_URL means embedded PGlite');
  t.equal(defaults.embedder.kind, 'local');
  t.ok(path.isAbsolute(defaults.database.dataDir));
});

t.test('loadConfig names the offending variable', async (t) => {
  const openai = { EMBEDDER: 'openai', EMBEDDINGS_BASE_URL: 'http://127.0.0.1:1/v1', EMBEDDINGS_MODEL: 'm', EMBEDDINGS_DIMENSIONS: '768' };
  const without = (name: keyof typeof openai) => Object.fromEntries(Object.entries(openai).filter(([k]) => k !== name));
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /integer.*"abc"/],
    [{ PORT: '70000' }, 'PORT', /between/],
    [{ EMBEDDER: 'foo' }, 'EMBEDDER', /"local" or "openai".*"foo"/],
    [without('EMBEDDINGS_BASE_URL'), 'EMBEDDINGS_BASE_URL', /required when EMBEDDER=openai/],
    [without('EMBEDDINGS_MODEL'), 'EMBEDDINGS_MODEL', /required/],
    [{ ...openai, EMBEDDINGS_BASE_URL: 'not a url' }, 'EMBEDDINGS_BASE_URL', /URL/],
    [{ DATABASE_URL: 'mysql://root@localhost/coach' }, 'DATABASE_URL', /postgres:\/\//],
    [{ COACH_ADMIN_KEY: 'short' }, 'COACH_ADMIN_KEY', /at least 16/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /"loud"/],
    [{ DUPLICATE_THRESHOLD: '1.5' }, 'DUPLICATE_THRESHOLD', /\(0, 1\]/],
  ];
  for (const [env, variable, problem] of cases) {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof ConfigError, `${JSON.stringify(env)} is rejected`);
    const err = caught as ConfigError;
    t.equal(err.variable, variable, `${JSON.stringify(env)} names ${variable}`);
    t.match(err.message, variable);
    t.match(err.message, problem);
  }
});

t.test('the entry point exits with code 2 and names the variable for a bad PORT', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coach-config-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'abc', COACH_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Should it start serving instead of exiting, don't leave it running.
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  t.teardown(() => {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  t.equal(code, 2, 'exit code 2 means a configuration error');
  t.match(stderr, /invalid configuration: PORT must be an integer, got "abc"/);
  t.notMatch(stderr, /at .*\.ts:\d+/, 'a one-line message, not a stack trace');
  t.equal(stdout, '', 'nothing started');
});
