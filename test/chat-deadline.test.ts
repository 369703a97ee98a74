import t from 'tap';
import { bearer, createKey, testApp } from './helpers/app.js';
import { parseEventStream, refundConversation, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

/*
 * CHAT_DEADLINE_MS bounds a whole chat request, however the student's timeout and retries would
 * add up: here three 3 s attempts, or a 30 s wait for a rate limit, against a 1.5 s deadline.
 */
const DEADLINE_MS = 1500;
// Generous: the old behaviour took 10 s (three timeouts) or 60 s (two Retry-After waits).
const WELL_BEFORE_MS = 8000;

t.test('one deadline per chat request: answered 504 upstream_timeout when it passes, traced as error', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const env = studentEnv(fake, { STUDENT_TIMEOUT_MS: '3000', STUDENT_MAX_RETRIES: '2', CHAT_DEADLINE_MS: String(DEADLINE_MS) });
  const { app } = await testApp(t, { env });
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const trace = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/traces/${id}`, headers: bearer(key) })).json();
  const chat = (payload: object) => app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(key), payload });
  const completions = (payload: object) =>
    app.inject({ method: 'POST', url: '/v1/chat/completions', headers: bearer(key), payload: { model: lib.name, messages: refundConversation, ...payload } });
  const newRequests = () => {
    const before = fake.requests.length;
    return () => fake.requests.slice(before);
  };

  t.test('a 429 whose Retry-After outlasts the deadline is not waited for', { timeout: 30_000 }, async (t) => {
    for (const [route, send] of [
      ['/chat', () => chat({ messages: refundConversation, conversation_id: 'conv-429-chat' })],
      ['/v1/chat/completions', () => completions({ conversation_id: 'conv-429-compat', stream: true })],
    ] as const) {
      const sent = newRequests();
      fake.script({ type: 'error', status: 429, retryAfterSeconds: 30 });
      const started = performance.now();
      const res = await send();
      t.ok(performance.now() - started < WELL_BEFORE_MS, `${route}: answered well before the 30 s Retry-After`);
      t.equal(res.statusCode, 504, res.body);
      t.equal(res.json().error.code, 'upstream_timeout');
      t.match(res.json().error.message, /asked to wait 30000 ms/);
      t.equal(sent().length, 1, `${route}: no retry that could not finish in time`);
      const conversation = route === '/chat' ? 'conv-429-chat' : 'conv-429-compat';
      const traces = (await app.inject({ method: 'GET', url: `/v1/traces?conversation_id=${conversation}`, headers: bearer(key) })).json().items;
      t.match(traces, [{ status: 'error', error: { code: 'upstream_timeout' } }]);
    }
  });

  t.test('a 429 with a short Retry-After is still retried within the deadline', async (t) => {
    const sent = newRequests();
    fake.script({ type: 'error', status: 429, retryAfterMs: 20 }, { type: 'reply', content: 'fine' });
    const res = await chat({ messages: refundConversation });
    t.equal(res.statusCode, 200, res.body);
    t.equal(sent().length, 2);
  });

  t.test('a slow student is cut off at the deadline, not after every attempt timed out', { timeout: 30_000 }, async (t) => {
    const sent = newRequests();
    fake.script({ type: 'hang' });
    const res = await chat({ messages: refundConversation, conversation_id: 'conv-slow' });
    t.equal(res.statusCode, 504, res.body);
    t.equal(res.json().error.code, 'upstream_timeout');
    t.match(res.json().error.message, /deadline of 1500 ms/);
    t.equal(sent().length, 1, 'the first attempt was still running when the deadline passed');
    await sent()[0]!.closed;
    t.ok(sent()[0]!.closedEarly, 'the attempt was cancelled upstream');
    const traces = (await app.inject({ method: 'GET', url: '/v1/traces?conversation_id=conv-slow', headers: bearer(key) })).json().items;
    t.match(traces, [{ status: 'error', error: { code: 'upstream_timeout' } }]);
  });

  t.test('the deadline covers the whole stream: one that never stops is ended with an error (/chat)', { timeout: 30_000 }, async (t) => {
    const sent = newRequests();
    fake.script({ type: 'trickle', content: 'and ', intervalMs: 100 });
    const res = await chat({ messages: refundConversation, stream: true });
    t.equal(res.statusCode, 200);
    const events = parseEventStream(res.body);
    t.ok(events.filter((e) => e.event === 'delta').length > 0, 'text was relayed until then');
    t.notOk(events.some((e) => e.event === 'done'));
    const last = events.at(-1)!;
    t.equal(last.event, 'error');
    const error = JSON.parse(last.data);
    t.equal(error.error.code, 'upstream_timeout');
    t.match(await trace(error.trace_id), { status: 'error', error: { code: 'upstream_timeout' }, stream: true });
    await sent()[0]!.closed;
    t.ok(sent()[0]!.closedEarly, 'the upstream stream was closed');
  });

  t.test('the deadline covers the whole stream: one that never stops is ended with an error chunk (/v1/chat/completions)', { timeout: 30_000 }, async (t) => {
    fake.script({ type: 'trickle', content: 'and ', intervalMs: 100 });
    const res = await completions({ stream: true });
    t.equal(res.statusCode, 200);
    const data = parseEventStream(res.body).map((e) => e.data);
    t.notOk(data.includes('[DONE]'));
    const last = JSON.parse(data.at(-1)!);
    t.match(last, { error: { code: 'upstream_timeout' } });
    t.match(await trace(last.coach.trace_id), { status: 'error', error: { code: 'upstream_timeout' } });
  });
});
