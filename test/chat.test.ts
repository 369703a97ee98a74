import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { parseEventStream, refundConversation, STUDENT_MODEL, STUDENT_UPSTREAM_KEY, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { waitFor } from './helpers/wait-for.js';

interface Setup {
  env?: Record<string, string>;
}

async function setup(t: { teardown(fn: () => unknown): void }, options: Setup = {}) {
  const fake = await FakeOpenAI.start(t);
  const { app, db } = await testApp(t, { env: { ...studentEnv(fake), ...options.env } });
  const lib = await createLibrary(app, { policy: 'Refunds within 30 days of delivery. Never share card numbers.' });
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const chat = (payload: object, key = student.key) =>
    app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(key), payload });
  const trace = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/traces/${id}`, headers: bearer(student.key) })).json();
  return { fake, app, db, lib, ids, student, chat, trace };
}

t.test('chat answers through the student with policy and guidance, and records a trace', async (t) => {
  const { fake, app, lib, ids, student, chat, trace } = await setup(t);
  fake.script({ type: 'reply', content: 'I can offer store credit.', usage: { prompt_tokens: 321, completion_tokens: 6, total_tokens: 327 } });
  const res = await chat({ messages: refundConversation, conversation_id: 'conv-1' });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.same(body.message, { role: 'assistant', content: 'I can offer store credit.' });
  t.same(body.usage, { prompt_tokens: 321, completion_tokens: 6, total_tokens: 327 });
  t.equal(body.model, STUDENT_MODEL);
  t.equal(body.finish_reason, 'stop');
  t.equal(body.retrieval_status, 'ok');
  t.equal(body.guidance[0].id, ids[0]);
  t.equal(res.headers['x-coach-trace-id'], body.trace_id);
  t.equal(res.headers['x-coach-guidance'], body.guidance.map((g: { id: string; version: number }) => `${g.id}:${g.version}`).join(','));

  t.equal(fake.requests.length, 1);
  const sent = fake.requests[0]!;
  t.equal(sent.headers.authorization, `Bearer ${STUDENT_UPSTREAM_KEY}`);
  t.equal(sent.body.model, STUDENT_MODEL);
  const system = sent.body.messages![0]!;
  t.equal(system.role, 'system');
  const at = (s: string) => system.content.indexOf(s);
  t.ok(at('Never share card numbers') >= 0 && at('Never share card numbers') < at('offer store credit'), 'policy, then guidance');
  t.ok(at('offer store credit') < at('support agent of Acme'), "guidance, then the caller's system message");
  t.same(sent.body.messages!.slice(1), refundConversation.slice(1), 'then the conversation');

  const recorded = await trace(body.trace_id);
  t.match(recorded, {
    id: body.trace_id,
    library_id: lib.id,
    conversation_id: 'conv-1',
    endpoint: 'chat',
    stream: false,
    model: STUDENT_MODEL,
    guidance: body.guidance,
    retrieval: { status: 'ok', error: null },
    usage: body.usage,
    finish_reason: 'stop',
    status: 'ok',
    error: null,
  });
  t.ok(recorded.retrieval.latency_ms >= 0 && recorded.model_latency_ms >= 0);

  await chat({ messages: [...refundConversation, { role: 'assistant', content: 'Store credit?' }, { role: 'user', content: 'ok' }], conversation_id: 'conv-1' });
  await chat({ messages: refundConversation, conversation_id: 'conv-2' });
  const list = await app.inject({ method: 'GET', url: '/v1/traces?conversation_id=conv-1', headers: bearer(student.key) });
  t.equal(list.statusCode, 200);
  t.equal(list.json().items.length, 2, 'the two turns of conv-1, not conv-2');
  t.equal(list.json().items[0].id, body.trace_id, 'oldest first');
  const outsider = await createKey(app, { role: 'student', library_ids: [(await createLibrary(app)).id] });
  t.equal((await app.inject({ method: 'GET', url: `/v1/traces/${body.trace_id}`, headers: bearer(outsider.key) })).statusCode, 404, 'out of scope');
  t.same((await app.inject({ method: 'GET', url: '/v1/traces?conversation_id=conv-1', headers: bearer(outsider.key) })).json().items, []);
});

t.test('stream: true answers as server-sent events with provenance at the end', async (t) => {
  const { fake, chat, trace } = await setup(t);
  fake.script({ type: 'reply', content: 'I can offer store credit.', chunks: ['I can ', 'offer ', 'store credit.'] });
  const res = await chat({ messages: refundConversation, conversation_id: 'conv-s', stream: true });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-type'], /^text\/event-stream/);
  const events = parseEventStream(res.body);
  const deltas = events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data).content);
  t.same(deltas, ['I can ', 'offer ', 'store credit.']);
  const last = events.at(-1)!;
  t.equal(last.event, 'done');
  const done = JSON.parse(last.data);
  t.equal(done.trace_id, res.headers['x-coach-trace-id']);
  t.equal(done.model, STUDENT_MODEL);
  t.equal(done.finish_reason, 'stop');
  t.ok(done.usage.total_tokens > 0, 'usage requested from the student with stream_options');
  t.ok(done.guidance.length > 0);
  t.equal(fake.requests[0]!.body.stream, true);
  t.match(await trace(done.trace_id), { status: 'ok', stream: true, usage: done.usage, guidance: done.guidance });
});

t.test('a student that does not answer in time yields 504 upstream_timeout after the retries', async (t) => {
  const { fake, app, chat, student } = await setup(t, { env: { STUDENT_TIMEOUT_MS: '300', STUDENT_MAX_RETRIES: '1' } });
  fake.script({ type: 'hang' }, { type: 'hang' });
  const res = await chat({ messages: refundConversation, conversation_id: 'conv-timeout' });
  t.equal(res.statusCode, 504, res.body);
  t.equal(res.json().error.code, 'upstream_timeout');
  t.equal(fake.requests.length, 2, 'one try and one retry');
  await Promise.all(fake.requests.map((r) => r.closed));
  t.ok(fake.requests.every((r) => r.closedEarly), 'both hung requests were closed by the client');
  const traces = (await app.inject({ method: 'GET', url: '/v1/traces?conversation_id=conv-timeout', headers: bearer(student.key) })).json().items;
  t.match(traces, [{ status: 'error', error: { code: 'upstream_timeout' } }]);
});

t.test('student 5xx is retried, then 502 upstream_error; the failure is traced', async (t) => {
  const { fake, app, chat, student } = await setup(t, { env: { STUDENT_MAX_RETRIES: '2' } });
  fake.script({ type: 'error', status: 500, retryAfterMs: 5 }, { type: 'error', status: 502, retryAfterMs: 5 }, { type: 'error', status: 503, retryAfterMs: 5 });
  const res = await chat({ messages: refundConversation, conversation_id: 'conv-5xx' });
  t.equal(res.statusCode, 502, res.body);
  t.equal(res.json().error.code, 'upstream_error');
  t.match(res.json().error.message, /student model .* answered 503/);
  t.equal(fake.requests.length, 3, 'the SDK retried twice');
  const traces = (await app.inject({ method: 'GET', url: '/v1/traces?conversation_id=conv-5xx', headers: bearer(student.key) })).json().items;
  t.match(traces, [{ status: 'error', error: { code: 'upstream_error' }, model: STUDENT_MODEL }]);
});

t.test('a 429 then success: the SDK waits as told and the turn succeeds', async (t) => {
  const { fake, chat } = await setup(t, { env: { STUDENT_MAX_RETRIES: '2' } });
  fake.script({ type: 'error', status: 429, retryAfterMs: 20 }, { type: 'reply', content: 'fine' });
  const res = await chat({ messages: refundConversation });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().message.content, 'fine');
  t.equal(fake.requests.length, 2);
});

t.test('no student configured: 503 student_model_not_configured; compose still works', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: admin, payload: { messages: refundConversation } });
  t.equal(res.statusCode, 503);
  t.equal(res.json().error.code, 'student_model_not_configured');
  t.match(res.json().error.message, /STUDENT_BASE_URL/);
  const streamed = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: admin, payload: { messages: refundConversation, stream: true } });
  t.equal(streamed.statusCode, 503, 'a stream fails before it starts');
  const compose = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin, payload: { messages: refundConversation } });
  t.equal(compose.statusCode, 200);
});

async function breakRetrieval(db: { exec(sql: string): Promise<void> }) {
  await db.exec('ALTER TABLE guidance_term_stats RENAME TO guidance_term_stats_gone');
}

t.test('retrieval failure with CHAT_ON_RETRIEVAL_ERROR=fail: 503 retrieval_failed, traced, no model call', async (t) => {
  const { fake, db, chat, trace } = await setup(t, { env: { CHAT_ON_RETRIEVAL_ERROR: 'fail' } });
  await breakRetrieval(db);
  const res = await chat({ messages: refundConversation, conversation_id: 'conv-rf' });
  t.equal(res.statusCode, 503, res.body);
  t.equal(res.json().error.code, 'retrieval_failed');
  t.equal(fake.requests.length, 0);
  const recorded = await trace(res.json().error.details.trace_id);
  t.match(recorded, { status: 'error', error: { code: 'retrieval_failed' }, retrieval: { status: 'failed' }, guidance: [] });
  t.ok(recorded.retrieval.error.length > 0, 'the cause is kept in the trace');
});

t.test('retrieval failure with CHAT_ON_RETRIEVAL_ERROR=continue: answered with the policy alone, noted in the trace', async (t) => {
  const { fake, db, chat, trace } = await setup(t, { env: { CHAT_ON_RETRIEVAL_ERROR: 'continue' } });
  await breakRetrieval(db);
  const res = await chat({ messages: refundConversation });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().retrieval_status, 'failed');
  t.same(res.json().guidance, []);
  const system = fake.requests[0]!.body.messages![0]!.content;
  t.match(system, /Never share card numbers/);
  t.notMatch(system, /coaching_notes/);
  t.match(await trace(res.json().trace_id), { status: 'ok', retrieval: { status: 'failed' }, guidance: [] });
});

t.test('a client that disconnects mid-stream aborts the upstream request', async (t) => {
  const { fake, app, lib, student, trace } = await setup(t);
  fake.script({ type: 'stream-then-hang', chunks: ['I can ', 'offer '] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const traceId = await new Promise<string>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: `/v1/libraries/${lib.id}/chat`, headers: { ...bearer(student.key), 'content-type': 'application/json' } },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve(res.headers['x-coach-trace-id'] as string);
        });
      },
    );
    req.on('error', () => undefined);
    req.end(JSON.stringify({ messages: refundConversation, stream: true }));
    setTimeout(() => reject(new Error('no data')), 5000);
  });
  await fake.requests[0]!.closed;
  t.ok(fake.requests[0]!.closedEarly, 'the student saw its request closed before it finished');
  let recorded: { status?: string } | undefined;
  await waitFor(async () => (recorded = await trace(traceId))?.status === 'aborted', {
    timeout: 10_000,
    interval: 50,
    message: () => `trace ${traceId} not recorded as aborted; last: ${JSON.stringify(recorded)}`,
  });
  t.match(recorded, { status: 'aborted', error: { code: 'client_closed' }, stream: true });
});

t.test('a student that goes quiet mid-stream ends the stream with an upstream_timeout error event', async (t) => {
  const { fake, chat, trace } = await setup(t, { env: { STUDENT_TIMEOUT_MS: '300' } });
  fake.script({ type: 'stream-then-hang', chunks: ['I can '] });
  const res = await chat({ messages: refundConversation, stream: true });
  t.equal(res.statusCode, 200);
  const events = parseEventStream(res.body);
  t.same(events.map((e) => e.event), ['delta', 'error']);
  const error = JSON.parse(events[1]!.data);
  t.equal(error.error.code, 'upstream_timeout');
  t.match(await trace(error.trace_id), { status: 'error', error: { code: 'upstream_timeout' } });
  await fake.requests[0]!.closed;
  t.ok(fake.requests[0]!.closedEarly, 'the stalled upstream request was closed');
});

t.test('invalid chat bodies are rejected with 400 naming the field', async (t) => {
  const { chat } = await setup(t);
  const cases: [object, string][] = [
    [{ messages: refundConversation, stream: 'yes' }, 'body.stream'],
    [{ messages: refundConversation, k: 51 }, 'body.k'],
    [{ messages: refundConversation, conversation_id: 'x'.repeat(201) }, 'body.conversation_id'],
    [{ messages: [{ role: 'user' }] }, 'body.messages.0.content'],
    [{ messages: refundConversation, temperature: 1 }, 'body.temperature'],
  ];
  for (const [payload, field] of cases) {
    const res = await chat(payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    t.match(res.json().error.message, field);
  }
});
