import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary } from './helpers/library.js';

t.test('libraries: create, list, get, patch, delete', async (t) => {
  const { app } = await testApp(t);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/libraries',
    headers: admin,
    payload: { name: 'acme', description: 'ACME support', policy: 'Refunds within 30 days.' },
  });
  t.equal(created.statusCode, 201);
  const lib = created.json();
  t.equal(lib.policy, 'Refunds within 30 days.');
  t.match(lib.embedder, /^local:hash-v4-\d+$/);
  t.equal(lib.embedding_dim, Number(lib.embedder.split('-').pop()));

  const duplicate = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: 'acme' } });
  t.equal(duplicate.statusCode, 409);

  const patched = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: 'Refunds within 14 days.' } });
  t.equal(patched.statusCode, 200);
  t.equal(patched.json().policy, 'Refunds within 14 days.');
  t.equal(patched.json().name, 'acme');

  const list = await app.inject({ method: 'GET', url: '/v1/libraries', headers: admin });
  t.same(list.json().items.map((l: { id: string }) => l.id), [lib.id]);

  const del = await app.inject({ method: 'DELETE', url: `/v1/libraries/${lib.id}`, headers: admin });
  t.equal(del.statusCode, 204);
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}`, headers: admin })).statusCode, 404);
});

t.test('library access: scoped keys see only their libraries (404), roles are enforced (403)', async (t) => {
  const { app } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  const scoped = await createKey(app, { role: 'teacher', library_ids: [a.id] });
  const student = await createKey(app, { role: 'student' });

  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${a.id}`, headers: bearer(scoped.key) })).statusCode, 200);
  const other = await app.inject({ method: 'GET', url: `/v1/libraries/${b.id}`, headers: bearer(scoped.key) });
  t.equal(other.statusCode, 404, 'a library outside the key scope looks absent');
  t.equal(other.json().error.code, 'not_found');
  const otherGuidance = await app.inject({ method: 'GET', url: `/v1/libraries/${b.id}/guidance`, headers: bearer(scoped.key) });
  t.equal(otherGuidance.statusCode, 404);
  const listed = await app.inject({ method: 'GET', url: '/v1/libraries', headers: bearer(scoped.key) });
  t.same(listed.json().items.map((l: { id: string }) => l.id), [a.id]);
  const scopedCreate = await app.inject({ method: 'POST', url: '/v1/libraries', headers: bearer(scoped.key), payload: { name: 'new' } });
  t.equal(scopedCreate.statusCode, 403);

  const studentWrite = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${a.id}/guidance`,
    headers: bearer(student.key),
    payload: { scenario: 's', guidance: 'g' },
  });
  t.equal(studentWrite.statusCode, 403, 'a student key cannot write guidance');
  t.match(studentWrite.json().error.message, /student/);
  const studentDelete = await app.inject({ method: 'DELETE', url: `/v1/libraries/${a.id}`, headers: bearer(student.key) });
  t.equal(studentDelete.statusCode, 403);
  const teacherDelete = await app.inject({ method: 'DELETE', url: `/v1/libraries/${a.id}`, headers: bearer(scoped.key) });
  t.equal(teacherDelete.statusCode, 403, 'delete is admin-only');
  const studentRead = await app.inject({ method: 'GET', url: `/v1/libraries/${a.id}/guidance`, headers: bearer(student.key) });
  t.equal(studentRead.statusCode, 200);
});

t.test('library bodies are validated and errors name the field', async (t) => {
  const { app } = await testApp(t);
  const noName = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { policy: 'x' } });
  t.equal(noName.statusCode, 400);
  t.match(noName.json().error.message, /body\.name/);
  const wrongType = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: 'x', policy: 42 } });
  t.equal(wrongType.statusCode, 400);
  t.match(wrongType.json().error.message, /body\.policy/);
  const unknownField = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: 'x', colour: 'red' } });
  t.equal(unknownField.statusCode, 400);
  t.match(unknownField.json().error.message, /colour/);
  const badEmbedder = await app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: 'x', embedder: 'magic' } });
  t.equal(badEmbedder.statusCode, 400);
  t.match(badEmbedder.json().error.message, /embedder/);
  const badId = await app.inject({ method: 'GET', url: '/v1/libraries/not-a-uuid', headers: admin });
  t.equal(badId.statusCode, 400);
  t.match(badId.json().error.message, /params\.id/);
  const emptyPatch = await app.inject({ method: 'PATCH', url: '/v1/libraries/00000000-0000-4000-8000-000000000000', headers: admin, payload: {} });
  t.equal(emptyPatch.statusCode, 400);
});

t.test('on library routes a malformed request is a 400, then a forbidden one a 403, before the library is looked up (404)', async (t) => {
  const { app } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  const scopedStudent = await createKey(app, { role: 'student', library_ids: [a.id] });
  const absent = '00000000-0000-4000-8000-000000000000';
  const write = (libraryId: string, payload: object) =>
    app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/guidance`, headers: bearer(scopedStudent.key), payload });
  const entry = { scenario: 's', guidance: 'g' };

  t.equal((await write(absent, { scenario: 's' })).statusCode, 400, 'validation first');
  t.equal((await write(absent, entry)).statusCode, 403, 'a library that does not exist: the role is refused first');
  t.equal((await write(b.id, entry)).statusCode, 403, "a library outside the key's: the role is refused first");
  const unseen = await app.inject({ method: 'GET', url: `/v1/libraries/${b.id}/guidance`, headers: bearer(scopedStudent.key) });
  t.equal(unseen.statusCode, 404, 'a role that may read meets the 404');
  const missing = await app.inject({ method: 'POST', url: `/v1/libraries/${absent}/retrieve`, headers: admin, payload: { messages: [{ role: 'user', content: 'hi' }] } });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'not_found');
});
