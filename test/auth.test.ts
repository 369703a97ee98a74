import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary } from './helpers/library.js';

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

t.test('an admin key limited to libraries manages only keys within its libraries', async (t) => {
  const { app } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  const scoped = await createKey(app, { role: 'admin', library_ids: [a.id] });
  const as = bearer(scoped.key);
  const create = (payload: object) => app.inject({ method: 'POST', url: '/v1/keys', headers: as, payload: { name: 'made by a scoped admin', ...payload } });

  for (const payload of [{ role: 'admin' }, { role: 'admin', library_ids: null }]) {
    const unscoped = await create(payload);
    t.equal(unscoped.statusCode, 403, `${JSON.stringify(payload)}: ${unscoped.body}`);
    t.match(unscoped.json().error.message, /library_ids/);
  }
  const unknown = await create({ role: 'student', library_ids: ['00000000-0000-4000-8000-000000000000'] });
  const outside = await create({ role: 'admin', library_ids: [a.id, b.id] });
  t.equal(outside.statusCode, 400, 'a library outside its scope is refused');
  t.equal(outside.json().error.message, unknown.json().error.message.replace('00000000-0000-4000-8000-000000000000', b.id), 'exactly like one that does not exist');
  const inside = await create({ role: 'admin', library_ids: [a.id] });
  t.equal(inside.statusCode, 201, inside.body);
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${b.id}`, headers: bearer(inside.json().key) })).statusCode, 404);

  const onlyB = await createKey(app, { role: 'student', library_ids: [b.id] });
  const both = await createKey(app, { role: 'teacher', library_ids: [a.id, b.id] });
  const listed = await app.inject({ method: 'GET', url: '/v1/keys', headers: as });
  t.equal(listed.statusCode, 200);
  t.same(listed.json().items.map((k: { id: string }) => k.id).sort(), [scoped.id, inside.json().id].sort(), 'only keys within its libraries');
  const all = (await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).json().items;
  t.equal(all.length, 5, 'an unscoped admin still lists every key');

  const bootstrap = all.find((k: { library_ids: string[] | null }) => k.library_ids === null);
  for (const key of [onlyB, both, bootstrap]) {
    const revoke = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: as });
    t.equal(revoke.statusCode, 404, revoke.body);
    t.equal(revoke.json().error.message, `api key ${key.id} not found`);
  }
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${b.id}`, headers: bearer(onlyB.key) })).statusCode, 200, 'the key it could not revoke still works');
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys', headers: admin })).statusCode, 200);
  const own = await app.inject({ method: 'DELETE', url: `/v1/keys/${inside.json().id}`, headers: as });
  t.equal(own.statusCode, 200, 'a key within its libraries can be revoked');
  t.ok(own.json().revoked_at);
});

t.test('keys may expire: the time must be in the future, an expired key gets 401, listings show it', async (t) => {
  const { app, db } = await testApp(t);
  const create = (payload: object, headers = admin) => app.inject({ method: 'POST', url: '/v1/keys', headers, payload: { name: 'temporary', role: 'admin', ...payload } });
  for (const expires_at of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', 42]) {
    const bad = await create({ expires_at });
    t.equal(bad.statusCode, 400, `${expires_at}: ${bad.body}`);
    t.match(bad.json().error, { code: 'validation_error', message: /body\.expires_at/ });
  }
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const created = await create({ expires_at: expiresAt });
  t.equal(created.statusCode, 201, created.body);
  t.equal(created.json().expires_at, expiresAt);
  const temporary = bearer(created.json().key);
  const listed = (await app.inject({ method: 'GET', url: '/v1/keys', headers: temporary })).json().items;
  t.equal(listed.find((k: { id: string }) => k.id === created.json().id).expires_at, expiresAt);
  t.equal(listed.find((k: { id: string }) => k.id !== created.json().id).expires_at, null, 'keys without a time never expire');

  const outliving = await create({ expires_at: new Date(Date.now() + 7_200_000).toISOString() }, temporary);
  t.equal(outliving.statusCode, 403, 'a key cannot make a key that outlives it');
  t.match(outliving.json().error.message, /expires_at/);
  t.equal((await create({}, temporary)).statusCode, 403, 'nor one that never expires');
  t.equal((await create({ expires_at: expiresAt }, temporary)).statusCode, 201);

  // Time passing, without waiting for it.
  await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.json().id]);
  const expired = await app.inject({ method: 'GET', url: '/v1/keys', headers: temporary });
  t.equal(expired.statusCode, 401);
  t.match(expired.json().error, { code: 'unauthorized', message: /expired/ });
});
