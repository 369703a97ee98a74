import t from 'tap';
import { bearer, createKey, testApp } from './helpers/app.js';
import { parseEventStream, refundConversation, studentEnv } from './helpers/chat.js';
import { FakeOpenAI, type FakeBehaviour } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

/*
 * A student that breaks off a stream, or answers a stream request with something that is not a
 * stream, has not answered: the caller must not receive a complete-looking answer, and the trace
 * must say the turn failed.
 */
const FAULTS: [string, FakeBehaviour][] = [
  ['closes the connection mid-stream (no finish reason, no [DONE])', { type: 'stream-then-close', chunks: ['I can ', 'offer '] }],
  ['answers with bad JSON', { type: 'raw', contentType: 'application/json', body: '{"id": "chatcmpl-1", "choices": [{"mess' }],
  ['answers with an HTML page', { type: 'raw', contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }],
  ['answers with JSON without choices', { type: 'raw', contentType: 'application/json', body: '{"id": "chatcmpl-1", "object": "chat.completion"}' }],
];

t.test('a cut or non-stream answer to a stream request ends the stream with an error, traced as error', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const { key } = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const trace = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/traces/${id}`, headers: bearer(key) })).json();

  for (const [what, behaviour] of FAULTS) {
    t.test(`/chat: the student ${what}`, async (t) => {
      fake.script(behaviour);
      const res = await app.inject({
        method: 'POST',
        url: `/v1/libraries/${lib.id}/chat`,
        headers: bearer(key),
        payload: { messages: refundConversation, stream: true },
      });
      t.equal(res.statusCode, 200, 'the stream had started');
      const events = parseEventStream(res.body);
      t.notOk(events.some((e) => e.event === 'done'), 'no done event');
      const last = events.at(-1)!;
      t.equal(last.event, 'error', res.body);
      const error = JSON.parse(last.data);
      t.equal(error.error.code, 'upstream_error');
      t.equal(error.trace_id, res.headers['x-coach-trace-id']);
      t.match(await trace(error.trace_id), { status: 'error', error: { code: 'upstream_error' }, stream: true });
    });

    t.test(`/v1/chat/completions: the student ${what}`, async (t) => {
      fake.script(behaviour);
      const res = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: bearer(key),
        payload: { model: lib.name, messages: refundConversation, stream: true, stream_options: { include_usage: true } },
      });
      t.equal(res.statusCode, 200, 'the stream had started');
      const data = parseEventStream(res.body).map((e) => e.data);
      t.notOk(data.includes('[DONE]'), 'no [DONE]');
      const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
      t.notOk(chunks.some((c) => c.choices?.some((choice: { finish_reason: string | null }) => choice.finish_reason !== null)), 'no finish_reason');
      const last = chunks.at(-1);
      t.match(last, { error: { code: 'upstream_error', type: 'server_error' }, coach: { trace_id: res.headers['x-coach-trace-id'] } }, res.body);
      t.match(await trace(last.coach.trace_id), { status: 'error', error: { code: 'upstream_error' }, stream: true });
    });
  }
});
