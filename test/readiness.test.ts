import net from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { admin, testApp, testConfig } from './helpers/app.js';
import { freshDatabaseUrl, openTestDb, usingPostgres } from './helpers/db.js';
import { waitFor } from './helpers/wait-for.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATIONS = (await readdir(path.join(ROOT, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();

/** Polls GET url until it answers `status`; returns that response and how long it took. */
async function waitForStatus(app: FastifyInstance, url: string, status: number, withinMs: number) {
  const started = Date.now();
  let last: number | undefined;
  const res = await waitFor(
    async () => {
      const answer = await app.inject({ method: 'GET', url });
      last = answer.statusCode;
      return answer.statusCode === status && answer;
    },
    { timeout: withinMs, interval: 100, message: () => `GET ${url} did not answer ${status} (last: ${last})` },
  );
  return { res, ms: Date.now() - started };
}

t.test('/healthz is 200; /readyz is 200 only while every migration is recorded', async (t) => {
  const { app, db } = await testApp(t);
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', database: db.kind, migrations: MIGRATIONS.length });

  const missing = MIGRATIONS[MIGRATIONS.length - 1]!;
  const [row] = await db.query<{ applied_at: Date }>('DELETE FROM schema_migrations WHERE name = $1 RETURNING applied_at', [missing]);
  t.ok(row, `${missing} was recorded`);
  const pending = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(pending.statusCode, 503);
  t.equal(pending.json().error.code, 'service_unavailable');
  t.match(pending.json().error.message, /migrations/);
  t.same(pending.json().error.details, { pending: [missing] });
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness does not depend on the database');

  await db.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [missing, row!.applied_at]);
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

/** A TCP proxy to `target` that can be stopped (dropping every connection) and restarted on its port. */
async function startProxy(target: { host: string; port: number }, port = 0) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

t.test('Postgres going away: readiness and API answer 503, then recover', { skip: !usingPostgres && 'needs DATABASE_URL' }, async (t) => {
  const url = new URL(await freshDatabaseUrl(t));
  const target = { host: url.hostname, port: Number(url.port || 5432) };
  let proxy = await startProxy(target);
  t.teardown(() => proxy.stop());
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const app = await buildApp(testConfig({ DATABASE_URL: proxied.toString(), DB_POOL_MAX: '4' }));
  t.teardown(() => app.close());
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).statusCode, 200);

  await proxy.stop();
  const down = await waitForStatus(app, '/readyz', 503, 5_000);
  t.equal(down.res.statusCode, 503, `readiness failed after ${down.ms} ms`);
  t.equal(down.res.json().error.code, 'service_unavailable');
  for (let i = 0; i < 3; i++) {
    const api = await app.inject({ method: 'GET', url: '/v1/keys', headers: admin });
    t.equal(api.statusCode, 503, 'an API call is 503, not 500, while the database is gone');
    t.equal(api.json().error.code, 'service_unavailable');
  }
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the process stays alive');

  proxy = await startProxy(target, proxy.port);
  const up = await waitForStatus(app, '/readyz', 200, 10_000);
  t.equal(up.res.statusCode, 200, `ready again after ${up.ms} ms`);
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).statusCode, 200);
});

t.test('embedded database closed: readiness answers 503', { skip: usingPostgres && 'DATABASE_URL is set' }, async (t) => {
  const db = await openTestDb(t);
  const app = await buildApp(testConfig(), { db });
  t.teardown(() => app.close());
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  await db.close();
  const res = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.equal(res.json().error.code, 'service_unavailable');
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
