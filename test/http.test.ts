import t from 'tap';
import { buildApp } from '../src/app.js';
import { ADMIN_KEY, admin, bearer, testApp, testConfig } from './helpers/app.js';
import { openTestDb } from './helpers/db.js';

// One app for the whole file (an embedded database takes seconds to create); a second one below
// with a small body limit and captured logs.
const { app } = await testApp(t);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('request ids: a sane x-request-id is echoed back, otherwise one is generated', async (t) => {
  const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'client-req.42:a' } });
  t.equal(given.headers['x-request-id'], 'client-req.42:a');

  const generated = await app.inject({ method: 'GET', url: '/healthz' });
  t.match(generated.headers['x-request-id'], UUID);
  const another = await app.inject({ method: 'GET', url: '/healthz' });
  t.not(another.headers['x-request-id'], generated.headers['x-request-id'], 'each request gets its own id');

  // A header that could forge log lines is not trusted.
  const hostile = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\u0001c' } });
  t.match(hostile.headers['x-request-id'], UUID);
  const tooLong = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'x'.repeat(200) } });
  t.match(tooLong.headers['x-request-id'], UUID);

  // Errors carry the same id in the body, so a user can quote it.
  const failed = await app.inject({ method: 'GET', url: '/v1/keys', headers: { 'x-request-id': 'trace-me' } });
  t.equal(failed.statusCode, 401);
  t.equal(failed.headers['x-request-id'], 'trace-me');
  t.equal(failed.json().error.request_id, 'trace-me');
});

t.test('errors have one shape: { error: { code, message, details } }', async (t) => {
  const invalid = await app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { name: '', role: 'student' } });
  t.equal(invalid.statusCode, 400);
  t.match(invalid.headers['content-type'], /^application\/json/);
  const body = invalid.json();
  t.same(Object.keys(body), ['error']);
  t.equal(body.error.code, 'validation_error');
  t.match(body.error.message, /body\.name/);
  t.match(body.error.details, [{ field: 'body.name', message: String }]);
});

t.test('unknown route is 404 not_found; wrong method on a known route is 405 with Allow', async (t) => {
  const unknown = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1', headers: admin });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'not_found');
  t.match(unknown.json().error.message, '/v1/nothing-here');

  const wrong = await app.inject({ method: 'PUT', url: '/v1/keys', headers: admin });
  t.equal(wrong.statusCode, 405);
  t.equal(wrong.json().error.code, 'method_not_allowed');
  const allow = String(wrong.headers.allow).split(/,\s*/);
  t.ok(allow.includes('GET') && allow.includes('POST'), `Allow lists GET and POST: ${allow}`);
  t.notOk(allow.includes('PUT'));

  const withParam = await app.inject({ method: 'POST', url: '/v1/keys/00000000-0000-4000-8000-000000000000', headers: admin });
  t.equal(withParam.statusCode, 405);
  t.match(String(withParam.headers.allow), /DELETE/);
});

t.test('malformed JSON is 400 validation_error, not a 500', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: '{"name": "x", "role": ',
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.code, 'validation_error');
});

t.test('/metrics is Prometheus text counting requests by route template', async (t) => {
  const count = async (): Promise<number> => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/plain/);
    t.match(res.body, /# TYPE http_request_duration_seconds histogram/);
    const line = res.body.split('\n').find((l) => /^http_request_duration_seconds_count\{.*route="\/v1\/keys\/:id".*status_code="404"/.test(l));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const before = await count();
  for (const id of ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']) {
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: admin })).statusCode, 404);
  }
  t.equal(await count(), before + 2, 'two requests counted under the route template, not the raw URL');
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.notMatch(body, /00000000-0000-4000-8000-00000000000/, 'ids never become label values');
  t.notMatch(body, /route="\/v1\/nothing-here"/, 'unknown paths do not create series');
});

t.test('body over BODY_LIMIT_BYTES is 413; logs never contain secrets', async (t) => {
  const lines: string[] = [];
  const small = await buildApp(testConfig({ BODY_LIMIT_BYTES: '1024', LOG_LEVEL: 'trace' }), {
    db: await openTestDb(t),
    logStream: { write: (line) => void lines.push(line) },
  });
  t.teardown(() => small.close());
  const big = await small.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: admin,
    payload: { name: 'x'.repeat(2000), role: 'student' },
  });
  t.equal(big.statusCode, 413);
  t.equal(big.json().error.code, 'payload_too_large');
  const fits = await small.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { name: 'x'.repeat(150), role: 'student' } });
  t.equal(fits.statusCode, 201);
  const created: string = fits.json().key;
  t.equal((await small.inject({ method: 'GET', url: '/v1/keys', headers: bearer(created) })).statusCode, 403);
  t.equal((await small.inject({ method: 'GET', url: '/v1/keys', headers: bearer('coach_guessed-secret') })).statusCode, 401);

  // Code that logs a request's headers or a config object gets the secrets censored.
  small.log.info({ headers: { authorization: `Bearer ${ADMIN_KEY}`, host: 'coach' } }, 'headers');
  small.log.info({ embedder: { apiKey: 'sk-upstream-secret', model: 'm' } }, 'config');

  const log = lines.join('');
  t.ok(lines.length > 5, 'logs were captured');
  t.match(log, /incoming request/);
  for (const secret of [ADMIN_KEY, created, 'coach_guessed-secret', 'sk-upstream-secret']) {
    t.notOk(log.includes(secret), `log does not contain ${secret.slice(0, 8)}…`);
  }
  const logged = (msg: string) => JSON.parse(lines.find((l) => l.includes(`"msg":"${msg}"`)) ?? '{}');
  t.same(logged('headers').headers, { authorization: '[redacted]', host: 'coach' });
  t.same(logged('config').embedder, { apiKey: '[redacted]', model: 'm' });
});
