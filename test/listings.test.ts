import t from 'tap';
import { TraceStore } from '../src/chat/trace-store.js';
import { loadConfig } from '../src/config.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { STUDENT_MODEL, studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

const SECRET = 'I am jane.doe@example.com, card 4111 1111 1111 1111, call me on +44 20 7946 0958 about my refund';
const messages = (text: string) => [{ role: 'user' as const, content: text }];

t.test('traces: listed by library, conversation, time, status and model, paged with totals, only within the key', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const { app } = await testApp(t, { env: studentEnv(fake) });
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  await importEntries(app, a.id, SAMPLE_ENTRIES);
  const { key } = await createKey(app, { role: 'student', library_ids: [a.id] });
  const turn = (lib: string, endpoint: 'compose' | 'chat', conversation_id: string) =>
    app.inject({ method: 'POST', url: `/v1/libraries/${lib}/${endpoint}`, headers: admin, payload: { messages: messages(SECRET), conversation_id } });

  for (let i = 0; i < 3; i++) t.equal((await turn(a.id, 'compose', `c${i}`)).statusCode, 200);
  const middle = new Date();
  t.equal((await turn(a.id, 'chat', 'c9')).statusCode, 200);
  fake.script({ type: 'error', status: 500 });
  t.equal((await turn(a.id, 'chat', 'c9')).statusCode, 502);
  await turn(b.id, 'compose', 'other');

  const list = async (query: string, headers = bearer(key)) => {
    const res = await app.inject({ method: 'GET', url: `/v1/traces?${query}`, headers });
    t.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const all = await list(`library_id=${a.id}`);
  t.equal(all.total, 5);
  t.same(all.items.map((i: { conversation_id: string }) => i.conversation_id), ['c0', 'c1', 'c2', 'c9', 'c9'], 'oldest first');
  t.equal(all.next_offset, null);
  const first = await list(`library_id=${a.id}&limit=2&newest_first=true`);
  t.match(first, { total: 5, next_offset: 2 });
  t.same(first.items.map((i: { status: string }) => i.status), ['error', 'ok'], 'newest first');
  const last = await list(`library_id=${a.id}&limit=2&offset=4&newest_first=true`);
  t.match(last, { total: 5, next_offset: null, items: [{ conversation_id: 'c0' }] });
  t.match(await list(`library_id=${a.id}&status=error`), { total: 1, items: [{ status: 'error', error: { code: 'upstream_error' } }] });
  t.match(await list(`library_id=${a.id}&model=${STUDENT_MODEL}`), { total: 2 });
  t.match(await list(`library_id=${a.id}&from=${middle.toISOString()}`), { total: 2 });
  t.match(await list(`library_id=${a.id}&to=${middle.toISOString()}`), { total: 3 });
  t.match(await list('conversation_id=c9'), { total: 2 });
  t.match(await list(`library_id=${b.id}`), { total: 0, items: [] }, "another library's traces are not listed to this key");
  t.match(await list(`library_id=${b.id}`, admin), { total: 1 });

  const unscoped = await app.inject({ method: 'GET', url: '/v1/traces?status=ok', headers: bearer(key) });
  t.equal(unscoped.statusCode, 400);
  t.match(unscoped.json().error.message, 'query.library_id');
  const badTime = await app.inject({ method: 'GET', url: `/v1/traces?library_id=${a.id}&from=yesterday`, headers: bearer(key) });
  t.equal(badTime.statusCode, 400);
  t.match(badTime.json().error.message, 'query.from');

  // The conversation is kept with the trace, redacted before storage.
  const kept = all.items[0].messages;
  t.same(kept, [{ role: 'user', content: 'I am [email], card [card], call me on [phone] about my refund' }]);
});

t.test('trace messages: off switch, redaction off, custom patterns, and erased after the retention period', async (t) => {
  const off = await testApp(t, { env: { TRACE_MESSAGES: 'off' } });
  const raw = await testApp(t, { env: { TRACE_REDACT: 'off' } });
  const custom = await testApp(t, { env: { TRACE_REDACT_PATTERNS: JSON.stringify({ order: '#W\\d+' }) } });
  const traced = async (app: typeof off.app, text: string) => {
    const lib = await createLibrary(app);
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin, payload: { messages: messages(text) } });
    return (await app.inject({ method: 'GET', url: `/v1/traces/${res.json().trace_id}`, headers: admin })).json();
  };
  t.equal((await traced(off.app, SECRET)).messages, null, 'TRACE_MESSAGES=off keeps none');
  t.same((await traced(raw.app, SECRET)).messages, messages(SECRET), 'TRACE_REDACT=off keeps them as sent');
  t.same((await traced(custom.app, 'order #W1234567 for jane@example.com')).messages, messages('order [order] for jane@example.com'), 'the patterns given replace the defaults');

  const trace = await traced(raw.app, 'an old conversation');
  await raw.db.query("UPDATE chat_traces SET created_at = now() - interval '31 days' WHERE id = $1", [trace.id]);
  const fresh = await traced(raw.app, 'a new conversation');
  t.equal(await new TraceStore(raw.db, raw.app.config.traces).eraseExpiredMessages(), false, 'one batch was enough');
  const after = async (id: string) => (await raw.app.inject({ method: 'GET', url: `/v1/traces/${id}`, headers: admin })).json();
  t.match(await after(trace.id), { id: trace.id, messages: null, status: 'ok' }, 'messages past retention are erased, the trace stays');
  t.same((await after(fresh.id)).messages, messages('a new conversation'));
});

t.test('feedback and jobs: listed with filters and totals, only within the key', async (t) => {
  const { app, db } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  const teacher = await createKey(app, { role: 'teacher', library_ids: [a.id] });
  for (const [lib, conversation_id, rating] of [[a.id, 'x', 5], [a.id, 'y', 2], [b.id, 'z', 3]] as const) {
    await app.inject({ method: 'POST', url: `/v1/libraries/${lib}/compose`, headers: admin, payload: { messages: messages('hello there'), conversation_id } });
    t.equal((await app.inject({ method: 'POST', url: '/v1/feedback', headers: admin, payload: { conversation_id, rating } })).statusCode, 201);
  }
  const feedback = async (query: string) => (await app.inject({ method: 'GET', url: `/v1/feedback?${query}`, headers: bearer(teacher.key) })).json();
  t.match(await feedback(''), { total: 2, next_offset: null, items: [{ conversation_id: 'y', rating: 2 }, { conversation_id: 'x', rating: 5 }] }, 'newest first, own libraries only');
  t.match(await feedback('conversation_id=x'), { total: 1, items: [{ rating: 5, library_id: a.id }] });
  t.match(await feedback(`library_id=${b.id}`), { total: 0 });
  t.match(await feedback('limit=1'), { total: 2, next_offset: 1, items: [{ conversation_id: 'y' }] });

  // Jobs as the teacher feature writes them; their steps give the progress.
  const models = JSON.stringify({ teacher: 't', student: 's', customer: 'c' });
  const job = async (lib: string, kind: string, status: string) => {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO teacher_jobs (library_id, kind, status, options, models) VALUES ($1, $2, $3, '{}', $4) RETURNING id`,
      [lib, kind, status, models],
    );
    return row!.id;
  };
  const done = await job(a.id, 'scenarios', 'partial');
  await db.query(`INSERT INTO teacher_steps (job_id, ordinal, kind, input, status) VALUES ($1, 0, 'scenario', '{}', 'done'), ($1, 1, 'scenario', '{}', 'failed')`, [done]);
  await job(a.id, 'transcripts', 'pending');
  await job(b.id, 'scenarios', 'pending');
  const jobs = async (query: string, key = teacher.key) => {
    const res = await app.inject({ method: 'GET', url: `/v1/jobs?${query}`, headers: bearer(key) });
    t.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  t.match(await jobs(''), { total: 2 }, 'own libraries only');
  t.match(await jobs('kind=scenarios'), { total: 1, items: [{ id: done, status: 'partial', progress: { done: 2, failed: 1, total: 2 } }] });
  t.match(await jobs('status=pending'), { total: 1, items: [{ kind: 'transcripts' }] });
  t.match(await jobs(`library_id=${b.id}`), { total: 0 });
  const student = await createKey(app, { role: 'student' });
  t.equal((await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(student.key) })).statusCode, 403);
  const bad = await app.inject({ method: 'GET', url: '/v1/jobs?status=finished', headers: bearer(teacher.key) });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, 'query.status');
});

t.test('invalid trace configuration names the variable', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ TRACE_MESSAGES: 'yes' }, 'TRACE_MESSAGES'],
    [{ TRACE_RETENTION_DAYS: '0' }, 'TRACE_RETENTION_DAYS'],
    [{ TRACE_REDACT: 'maybe' }, 'TRACE_REDACT'],
    [{ TRACE_REDACT_PATTERNS: '["email"]' }, 'TRACE_REDACT_PATTERNS'],
    [{ TRACE_REDACT_PATTERNS: '{"bad": "(unclosed"}' }, 'TRACE_REDACT_PATTERNS'],
    [{ TRACE_REDACT_PATTERNS: '{"n": 5}' }, 'TRACE_REDACT_PATTERNS'],
  ];
  for (const [env, variable] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', variable }, JSON.stringify(env));
  t.match(loadConfig({}).traces, { keepMessages: true, retentionDays: 30, redactions: [{ label: 'email' }, { label: 'card' }, { label: 'phone' }] });
  t.same(loadConfig({ TRACE_REDACT: 'off' }).traces.redactions, []);
});
