import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openPglite } from '../src/db/pglite-db.js';
import { openPostgres } from '../src/db/postgres-db.js';
import { ADMIN_KEY } from './helpers/app.js';
import { freshDatabaseUrl, usingPostgres } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type LogLine = Record<string, unknown> & { msg?: string };

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** The real service (src/main.ts) as a child process on a free port, with its pino log parsed. */
async function startService(t: Teardown, env: Record<string, string>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', COACH_ADMIN_KEY: ADMIN_KEY, ...env };
  if (env.DATABASE_URL === undefined) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const logs: LogLine[] = [];
  const events = new EventEmitter();
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
        events.emit('line');
      } catch {
        // not a log line
      }
    }
  });
  const waitForLog = (match: (line: LogLine) => boolean, what: string, ms = 60_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => (cleanup(), reject(new Error(`no log line "${what}" within ${ms} ms; stderr: ${stderr}`))), ms);
      const onExit = () => (cleanup(), reject(new Error(`service exited before logging "${what}"; stderr: ${stderr}`)));
      const cleanup = () => {
        clearTimeout(timer);
        events.off('line', check);
        child.off('exit', onExit);
      };
      events.on('line', check);
      child.once('exit', onExit);
      check();
    });
  const listening = await waitForLog((l) => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg ?? ''), 'Server listening');
  const port = Number(/:(\d+)$/.exec(listening.msg!)![1]);
  return { child, port, exited, waitForLog };
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve('connected')));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

t.test('SIGTERM drains an in-flight request, refuses new connections and exits 0', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coach-shutdown-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const databaseUrl = usingPostgres ? await freshDatabaseUrl(t) : undefined;
  const env: Record<string, string> = { COACH_DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '20000' };
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const service = await startService(t, env);

  // A slow upload: headers and half of the body now, the rest after the shutdown has begun.
  const body = JSON.stringify({ name: 'created while shutting down', role: 'student' });
  const request = http.request({
    host: '127.0.0.1',
    port: service.port,
    method: 'POST',
    path: '/v1/keys',
    agent: false,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      res.on('error', reject);
    });
  });
  request.write(body.slice(0, 20));
  await service.waitForLog((l) => l.msg === 'incoming request' && (l.req as { url?: string }).url === '/v1/keys', 'incoming request');

  service.child.kill('SIGTERM');
  await service.waitForLog((l) => l.msg === 'shutting down: draining in-flight requests', 'shutting down');
  // The listener closes right after the signal is handled; poll briefly for it.
  let outcome: string | undefined;
  await t.resolves(
    waitFor(async () => (outcome = await connectOutcome(service.port)) === 'ECONNREFUSED', {
      timeout: 10_000,
      interval: 100,
      message: () => `connecting while draining still gave ${outcome}`,
    }),
    'no new connections while draining',
  );
  // A fixed pause: that the service has not exited can only be seen by letting time pass.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(service.child.exitCode, null, 'the service waits for the in-flight request');

  request.end(body.slice(20));
  const res = await response;
  t.equal(res.status, 201, `the in-flight request completes: ${res.body}`);
  const created = JSON.parse(res.body) as { id: string; key: string; name: string };
  t.match(created, { name: 'created while shutting down', role: 'student', key: /^coach_/ });

  const exit = await service.exited;
  t.same(exit, { code: 0, signal: null }, 'clean exit');
  t.equal(await connectOutcome(service.port), 'ECONNREFUSED');

  // What the drained request wrote is there, and the embedded database was closed cleanly (lock released).
  const db = databaseUrl !== undefined
    ? openPostgres({ url: databaseUrl, poolMax: 1, logger: { info() {}, warn() {}, error() {} } })
    : await openPglite(dataDir);
  t.teardown(() => db.close());
  const rows = await db.query<{ name: string }>('SELECT name FROM api_keys WHERE id = $1', [created.id]);
  t.same(rows, [{ name: 'created while shutting down' }]);
});

t.test('with a grace shorter than the keep-alive default, a connection kept alive after its drained request still closes in time', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coach-shutdown-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const service = await startService(t, { COACH_DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '4000' });
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());

  // In flight when the signal comes, so its connection is still busy when the server starts closing.
  const body = JSON.stringify({ name: 'drained on a kept-alive connection', role: 'student' });
  const request = http.request({
    host: '127.0.0.1',
    port: service.port,
    method: 'POST',
    path: '/v1/keys',
    agent,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const status = new Promise<number>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
  });
  request.write(body.slice(0, 20));
  await service.waitForLog((l) => l.msg === 'incoming request' && (l.req as { url?: string }).url === '/v1/keys', 'incoming request');
  service.child.kill('SIGTERM');
  await service.waitForLog((l) => l.msg === 'shutting down: draining in-flight requests', 'shutting down');
  request.end(body.slice(20));
  t.equal(await status, 201, 'the in-flight request completes');
  t.same(await service.exited, { code: 0, signal: null }, 'a clean exit within the grace, not one forced when it ran out');
});
