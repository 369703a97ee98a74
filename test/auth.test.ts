import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';

t.test('API keys: missing, invalid and revoked keys get 401; wrong role gets 403', async (t) => {
  const { app } = await testApp(t);

  const missing = await app.inject({ method: 'GET', url: '/v1/keys' });
  t.equal(missing.statusCode, 401);
  t.equal(missing.json().error.code, 'unauthorized');

  const malformed = await app.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: 'Basic abc' } });
  t.equal(malformed.statusCode, 401);
  t.match(malformed.json().error.message, /Bearer/);

  const invalid = await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer('coach_not-a-real-key') });
  t.equal(invalid.statusCode, 401);

  const student = await createKey(app, { role: 'student' });
  t.match(student.key, /^coach_/);
  const forbidden = await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(student.key) });
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.json().error.code, 'forbidden');

  const other = await createKey(app, { role: 'admin' });
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(other.key) })).statusCode, 200);
  const revoke = await app.inject({ method: 'DELETE', url: `/v1/keys/${other.id}`, headers: admin });
  t.equal(revoke.statusCode, 200);
  t.ok(revoke.json().revoked_at);
  const revoked = await app.inject({ method: 'GET', url: '/v1/keys', headers: bearer(other.key) });
  t.equal(revoked.statusCode, 401);
  t.match(revoked.json().error.message, /revoked/);
});

t.test('key secrets are returned once and stored only as hashes', async (t) => {
  const { app, db } = await testApp(t);
  const created = await createKey(app, { role: 'teacher', name: 'ingest' });
  const list = await app.inject({ method: 'GET', url: '/v1/keys', headers: admin });
  t.equal(list.statusCode, 200);
  const listed = list.json().items.find((k: { id: string }) => k.id === created.id);
  t.equal(listed.role, 'teacher');
  t.notOk('key' in listed, 'the list never shows a secret');
  t.ok(created.key.startsWith(listed.key_prefix));
  const stored = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [created.id]);
  t.not(stored[0]!.key_hash, created.key);
  t.notMatch(JSON.stringify(await db.query('SELECT * FROM api_keys')), created.key);
});

t.test('creating a key validates its body and names the field', async (t) => {
  const { app } = await testApp(t);
  const badRole = await app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { name: 'x', role: 'root' } });
  t.equal(badRole.statusCode, 400);
  t.match(badRole.json().error.message, /body\.role/);
  const unknownLibrary = await app.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: admin,
    payload: { name: 'x', role: 'student', library_ids: ['00000000-0000-4000-8000-000000000000'] },
  });
  t.equal(unknownLibrary.statusCode, 400);
  t.match(unknownLibrary.json().error.message, /library_ids/);
  const missingName = await app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { role: 'student' } });
  t.equal(missingName.statusCode, 400);
  t.match(missingName.json().error.message, /body\.name/);
  const notFound = await app.inject({ method: 'DELETE', url: '/v1/keys/00000000-0000-4000-8000-000000000000', headers: admin });
  t.equal(notFound.statusCode, 404);
  const badId = await app.inject({ method: 'DELETE', url: '/v1/keys/xyz', headers: admin });
  t.equal(badId.statusCode, 400);
  t.match(badId.json().error.message, /params\.id/);
});

t.test('the bootstrap admin key works again after a restart even if it was revoked', async (t) => {
  const { app, db } = await testApp(t);
  const keys = (await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).json().items;
  const bootstrap = keys.find((k: { role: string }) => k.role === 'admin');
  await app.inject({ method: 'DELETE', url: `/v1/keys/${bootstrap.id}`, headers: admin });
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).statusCode, 401);
  await app.close();
  const { app: restarted } = await testApp(t, { db });
  t.equal((await restarted.inject({ method: 'GET', url: '/v1/keys', headers: admin })).statusCode, 200);
});
