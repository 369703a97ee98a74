import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { refundConversation } from './helpers/chat.js';
import { createLibrary } from './helpers/library.js';

/*
 * A client that retries a write (after a 503, a timeout or a lost connection) with the same
 * Idempotency-Key gets the first answer again, and the write happens once.
 */
t.test('Idempotency-Key on POST /v1/feedback and POST /v1/libraries/{id}/guidance', async (t) => {
  const { app, db } = await testApp(t);
  const lib = await createLibrary(app);
  const writer = await createKey(app, { role: 'teacher', library_ids: [lib.id] });
  const other = await createKey(app, { role: 'teacher', library_ids: [lib.id] });
  const compose = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin, payload: { messages: refundConversation } });
  const traceId = compose.json().trace_id as string;
  const count = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0]!.n);

  const feedback = (payload: object, key?: string, secret = writer.key) =>
    app.inject({ method: 'POST', url: '/v1/feedback', headers: { ...bearer(secret), ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload });
  const entry = { scenario: 'Customer wants a refund after the 30-day window', guidance: 'Offer store credit; never promise a refund.' };
  const guidance = (payload: object, key?: string, libraryId = lib.id) =>
    app.inject({
      method: 'POST',
      url: `/v1/libraries/${libraryId}/guidance`,
      headers: { ...bearer(writer.key), ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload,
    });

  t.test('feedback: a retry with the same key and body returns the first response and writes nothing', async (t) => {
    const body = { trace_id: traceId, rating: 4, comment: 'helpful' };
    const first = await feedback(body, 'fb-retry');
    t.equal(first.statusCode, 201, first.body);
    const before = await count('chat_feedback');
    const retry = await feedback(body, 'fb-retry');
    t.equal(retry.statusCode, 201, retry.body);
    t.same(retry.json(), first.json(), 'the same feedback, same id');
    t.equal(retry.headers['idempotent-replayed'], 'true');
    t.equal(await count('chat_feedback'), before, 'stored once');
    t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer was no replay');
  });

  t.test('feedback: the same key with a different body is a 409 naming the conflict', async (t) => {
    t.equal((await feedback({ trace_id: traceId, rating: 5 }, 'fb-conflict')).statusCode, 201);
    const before = await count('chat_feedback');
    const res = await feedback({ trace_id: traceId, rating: 1 }, 'fb-conflict');
    t.equal(res.statusCode, 409, res.body);
    t.equal(res.json().error.code, 'conflict');
    t.match(res.json().error.message, /Idempotency-Key "fb-conflict" was already used for a different request to POST \/v1\/feedback/);
    t.equal(await count('chat_feedback'), before);
  });

  t.test('feedback: keys belong to the API key that used them; no key means no deduplication', async (t) => {
    const body = { trace_id: traceId, resolved: true };
    const mine = await feedback(body, 'fb-shared');
    const theirs = await feedback(body, 'fb-shared', other.key);
    t.equal(theirs.statusCode, 201);
    t.not(theirs.json().id, mine.json().id, "another key's request is its own write");
    const before = await count('chat_feedback');
    await feedback(body);
    await feedback(body);
    t.equal(await count('chat_feedback'), before + 2);
  });

  t.test('feedback: concurrent duplicates write once and all get the same answer', async (t) => {
    const before = await count('chat_feedback');
    const answers = await Promise.all(Array.from({ length: 5 }, () => feedback({ trace_id: traceId, rating: 3 }, 'fb-concurrent')));
    t.same(answers.map((a) => a.statusCode), [201, 201, 201, 201, 201], answers.map((a) => a.body).join('\n'));
    t.equal(new Set(answers.map((a) => a.json().id)).size, 1, 'one feedback id');
    t.equal(await count('chat_feedback'), before + 1);
  });

  t.test('guidance: a retry with the same key and body returns the first entry, created once', async (t) => {
    const first = await guidance(entry, 'g-retry');
    t.equal(first.statusCode, 201, first.body);
    const before = await count('guidance_versions');
    const retry = await guidance(entry, 'g-retry');
    t.equal(retry.statusCode, 201);
    t.same(retry.json(), first.json(), 'the same entry, same id and version');
    t.equal(retry.headers['idempotent-replayed'], 'true');
    t.equal(await count('guidance_versions'), before, 'no second entry, no new version');
  });

  t.test('guidance: the same key with another body or another library is a 409; no key writes again', async (t) => {
    t.equal((await guidance(entry, 'g-conflict')).statusCode, 201);
    const before = await count('guidance_entries');
    const changed = await guidance({ ...entry, guidance: 'Refund anyway.' }, 'g-conflict');
    t.equal(changed.statusCode, 409, changed.body);
    t.match(changed.json().error.message, /Idempotency-Key "g-conflict"/);
    const elsewhere = await createLibrary(app);
    const asAdmin = (libraryId: string) =>
      app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/guidance`, headers: { ...admin, 'idempotency-key': 'g-conflict' }, payload: entry });
    t.equal((await asAdmin(lib.id)).statusCode, 201, "the admin key's own first use of the key");
    const otherLibrary = await asAdmin(elsewhere.id);
    t.equal(otherLibrary.statusCode, 409, 'the same body to another library is another request');
    t.equal(await count('guidance_entries'), before + 1);
    await guidance(entry);
    t.equal(await count('guidance_entries'), before + 2, 'without the header each request writes');
  });

  t.test('guidance: concurrent duplicates create one entry', async (t) => {
    const before = await count('guidance_entries');
    const body = { ...entry, scenario: 'Customer asks twice at once for the same refund' };
    const answers = await Promise.all(Array.from({ length: 4 }, () => guidance(body, 'g-concurrent')));
    t.same(answers.map((a) => a.statusCode), [201, 201, 201, 201], answers.map((a) => a.body).join('\n'));
    t.equal(new Set(answers.map((a) => a.json().entry.id)).size, 1);
    t.equal(await count('guidance_entries'), before + 1);
  });

  t.test('a malformed Idempotency-Key is a 400 naming the header', async (t) => {
    const res = await feedback({ trace_id: traceId, rating: 2 }, 'x'.repeat(256));
    t.equal(res.statusCode, 400);
    t.match(res.json().error.message, /headers\.idempotency-key/);
  });
});
