import Fastify from 'fastify';
import t from 'tap';
import { loadConfig } from '../src/config.js';
import { loadLimitsConfig } from '../src/config/limits.js';
import type { Db } from '../src/db/db.js';
import { registerLimits } from '../src/http/limits.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';

const ORIGIN = 'https://app.example.com';

t.test('a key over its role budget gets 429 with Retry-After; other keys keep their own budgets', async (t) => {
  const { app } = await testApp(t, { env: { RATE_LIMIT_STUDENT: '3' } });
  const student = await createKey(app, { role: 'student' });
  const other = await createKey(app, { role: 'student' });
  const list = (key: string) => app.inject({ method: 'GET', url: '/v1/libraries', headers: bearer(key) });
  for (let i = 0; i < 3; i++) t.equal((await list(student.key)).statusCode, 200, `request ${i + 1} is within the budget`);
  const over = await list(student.key);
  t.equal(over.statusCode, 429);
  t.ok(Number(over.headers['retry-after']) >= 1, 'Retry-After says when to come back');
  t.match(over.json().error, { code: 'rate_limited', message: /more than 3 requests .* student key/, details: { limit: 3, window_ms: 60_000 } });
  t.equal((await list(other.key)).statusCode, 200, 'another student key has its own budget');
  t.equal((await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin })).statusCode, 200, 'admin keys have theirs (RATE_LIMIT_ADMIN)');
});

t.test('requests without a valid key are limited by address: wrong keys and unknown paths too', async (t) => {
  const { app } = await testApp(t, { env: { RATE_LIMIT_ANONYMOUS: '3' } });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: '/v1/libraries', headers: bearer(`guess-${i}-0123456789abcdef`) })).statusCode);
  t.same(statuses, [401, 401, 401]);
  const guessing = await app.inject({ method: 'GET', url: '/v1/libraries', headers: bearer('guess-3-0123456789abcdef') });
  t.equal(guessing.statusCode, 429, 'a fresh wrong key does not reset the budget');
  t.ok(Number(guessing.headers['retry-after']) >= 1);
  t.equal((await app.inject({ method: 'GET', url: '/no/such/path' })).statusCode, 429, 'nor does an unknown path');
  t.equal((await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin })).statusCode, 200, 'a valid key is counted apart');
});

t.test('unknown paths are limited before they answer 404', async (t) => {
  const { app } = await testApp(t, { env: { RATE_LIMIT_ANONYMOUS: '2' } });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url: `/probe-${i}` })).statusCode);
  t.same(statuses, [404, 404, 429]);
});

t.test('health, readiness, metrics and the console page are never limited; 0 means unlimited', async (t) => {
  const { app } = await testApp(t, { env: { RATE_LIMIT_ANONYMOUS: '1', RATE_LIMIT_ADMIN: '0' } });
  for (const url of ['/healthz', '/readyz', '/metrics', '/console/']) {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'GET', url })).statusCode);
    t.same(statuses, [200, 200, 200], url);
  }
  const statuses = new Set<number>();
  for (let i = 0; i < 5; i++) statuses.add((await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin })).statusCode);
  t.same([...statuses], [200], 'RATE_LIMIT_ADMIN=0: no limit');
});

t.test('CORS is off by default: no Access-Control headers for any origin', async (t) => {
  const { app } = await testApp(t);
  const res = await app.inject({ method: 'GET', url: '/v1/libraries', headers: { ...admin, origin: ORIGIN } });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['access-control-allow-origin'], undefined);
  const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/libraries', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } });
  t.equal(preflight.headers['access-control-allow-origin'], undefined);
});

t.test('CORS_ORIGINS allows exactly its origins, preflights need no key, and unknown paths stay 404', async (t) => {
  const { app } = await testApp(t, { env: { CORS_ORIGINS: `${ORIGIN}, http://localhost:5173` } });
  const allowed = await app.inject({ method: 'GET', url: '/v1/libraries', headers: { ...admin, origin: ORIGIN } });
  t.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
  t.match(allowed.headers['access-control-expose-headers'], /retry-after/);
  const other = await app.inject({ method: 'GET', url: '/v1/libraries', headers: { ...admin, origin: 'https://evil.example.com' } });
  t.equal(other.headers['access-control-allow-origin'], undefined, 'an origin not in the list gets no grant');
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/libraries',
    headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
  t.match(preflight.headers['access-control-allow-headers'], /authorization/);
  t.equal((await app.inject({ method: 'GET', url: '/no/such/path', headers: admin })).statusCode, 404);
});

t.test('CORS_ORIGINS must list origins, and says which entry is not one', async (t) => {
  t.throws(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' }), /CORS_ORIGINS "https:\/\/app.example.com\/path" is not an origin .* https:\/\/app.example.com\?/);
  t.throws(() => loadConfig({ CORS_ORIGINS: 'app.example.com' }), /CORS_ORIGINS must be a comma-separated list of origins/);
});

t.test('security headers on API responses and on the docs, whose CSP still lets Swagger UI run', async (t) => {
  const { app } = await testApp(t);
  const api = await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin });
  t.equal(api.headers['x-content-type-options'], 'nosniff');
  t.equal(api.headers['x-frame-options'], 'SAMEORIGIN');
  t.match(api.headers['strict-transport-security'], /max-age=/);
  const docs = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(docs.statusCode, 200);
  const csp = String(docs.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /upgrade-insecure-requests/, 'plain HTTP on a private network keeps working');
  const scripts = [...docs.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  t.ok(scripts.length > 0, 'the docs page loads scripts');
  for (const [, attributes, inline] of scripts) {
    t.match(attributes, /src="\.\/|src="\/docs\//, 'from the same origin');
    t.equal(inline!.trim(), '', 'and none inline, which script-src would block');
  }
  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  t.equal(initializer.statusCode, 200, 'the script the page loads is served');
});

t.test("a route sets its own helmet options (the console's strict CSP) over the defaults", async (t) => {
  const app = Fastify();
  const noKeys = { kind: 'pglite', query: async () => [], exec: async () => undefined, transaction: async () => undefined, close: async () => undefined } as unknown as Db;
  app.decorate('db', noKeys);
  await registerLimits(app, loadLimitsConfig({}));
  app.get('/strict', { helmet: { contentSecurityPolicy: { directives: { 'default-src': ["'none'"], 'script-src': ["'self'"] } } } }, async () => 'ok');
  app.get('/plain', async () => 'ok');
  t.teardown(() => app.close());
  t.match((await app.inject('/strict')).headers['content-security-policy'], /default-src 'none'/);
  t.match((await app.inject('/plain')).headers['content-security-policy'], /default-src 'self'/);
});
