import t from 'tap';
import { defaultMigrationsDir, migrate } from '../src/db/migrate.js';
import { recordWithheld } from '../src/ops/instruments.js';
import { chunksAwaitingIndex, workerLag } from '../src/ops/worker-lag.js';
import { bearer, createKey, testApp } from './helpers/app.js';
import { refundConversation, STUDENT_MODEL, studentEnv } from './helpers/chat.js';
import { openTestDb } from './helpers/db.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { LocalServer } from './helpers/local-server.js';
import { waitFor } from './helpers/wait-for.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Setup {
  env?: Record<string, string>;
}

async function setup(t: Teardown, options: Setup = {}) {
  const fake = await FakeOpenAI.start(t);
  const { app, db } = await testApp(t, { env: { ...studentEnv(fake), ...options.env } });
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const chat = (payload: object) => app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/chat`, headers: bearer(student.key), payload });
  const metrics = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return { fake, app, db, lib, chat, metrics };
}

/** The value of one sample in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

t.test('a chat turn shows in /metrics: retrieval latency, guidance in the prompt, model latency and tokens by role and model', async (t) => {
  const { fake, chat, metrics } = await setup(t);
  fake.script({ type: 'reply', content: 'I can offer store credit.', usage: { prompt_tokens: 321, completion_tokens: 6, total_tokens: 327 } });
  const res = await chat({ messages: refundConversation });
  t.equal(res.statusCode, 200, res.body);
  const used = res.json().guidance.length;
  t.ok(used > 0, 'the turn used guidance');
  const text = await metrics();
  t.equal(sample(text, 'coach_retrieval_duration_seconds_count', { outcome: 'ok' }), 1);
  t.equal(sample(text, 'coach_guidance_per_prompt_count'), 1);
  t.equal(sample(text, 'coach_guidance_per_prompt_sum'), used, 'the entries composed into the prompt');
  const student = { role: 'student', model: STUDENT_MODEL };
  t.equal(sample(text, 'coach_model_call_duration_seconds_count', { ...student, outcome: 'ok' }), 1);
  t.equal(sample(text, 'coach_model_tokens_total', { ...student, kind: 'prompt' }), 321);
  t.equal(sample(text, 'coach_model_tokens_total', { ...student, kind: 'completion' }), 6);
});

t.test('failed model calls are counted apart, streams until their end', async (t) => {
  const { fake, chat, metrics } = await setup(t);
  fake.script({ type: 'error', status: 500 }, { type: 'reply', content: 'Streamed answer.', chunks: ['Streamed ', 'answer.'], usage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 } });
  t.equal((await chat({ messages: refundConversation })).statusCode, 502);
  t.equal((await chat({ messages: refundConversation, stream: true })).statusCode, 200);
  const text = await metrics();
  const student = { role: 'student', model: STUDENT_MODEL };
  t.equal(sample(text, 'coach_model_call_duration_seconds_count', { ...student, outcome: 'error' }), 1);
  t.equal(sample(text, 'coach_model_call_duration_seconds_count', { ...student, outcome: 'ok' }), 1);
  t.equal(sample(text, 'coach_model_tokens_total', { ...student, kind: 'prompt' }), 40, 'a stream reports its usage too');
});

t.test('withheld guidance has a counter the hold-out increments', async (t) => {
  const { metrics } = await setup(t);
  t.equal(sample(await metrics(), 'coach_guidance_withheld_total'), 0);
  recordWithheld();
  recordWithheld(2);
  t.equal(sample(await metrics(), 'coach_guidance_withheld_total'), 3);
});

t.test('worker lag is the age of the oldest work waiting, per worker; 0 when none waits', async (t) => {
  const db = await openTestDb(t);
  await migrate(db, defaultMigrationsDir());
  t.same(await workerLag(db), [
    { worker: 'teacher', seconds: 0 },
    { worker: 'reembed', seconds: 0 },
  ]);
  const [lib] = await db.query<{ id: string }>(`INSERT INTO libraries (name, embedder, embedding_dim) VALUES ('lagging', 'local:hash-v1-512', 512) RETURNING id`);
  await db.query(
    `INSERT INTO reembed_jobs (library_id, source_embedder, target_embedder, target_dim, created_at) VALUES ($1, 'local:512', 'local:256', 256, now() - interval '1 hour')`,
    [lib!.id],
  );
  const lag = Object.fromEntries((await workerLag(db)).map((row) => [row.worker, row.seconds]));
  t.ok(lag.reembed! >= 3600 && lag.reembed! < 3600 + 600, `reembed lag ${lag.reembed} s is the job's age`);
  t.equal(lag.teacher, 0);
  t.equal(await chunksAwaitingIndex(db), 0);
});

t.test('/metrics lists the worker lag gauges', async (t) => {
  const { metrics } = await setup(t);
  const text = await metrics();
  t.equal(sample(text, 'coach_worker_lag_seconds', { worker: 'teacher' }), 0);
  t.equal(sample(text, 'coach_worker_lag_seconds', { worker: 'reembed' }), 0);
  t.type(sample(text, 'coach_chunks_awaiting_index'), 'number');
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** A fake OpenTelemetry collector: OTLP/HTTP JSON on 127.0.0.1, keeping every span it is sent. */
async function fakeCollector(t: Teardown): Promise<{ endpoint: string; spans: OtlpSpan[]; paths: string[] }> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = await LocalServer.start((req, res, body) => {
    paths.push(req.url ?? '');
    const request = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
    for (const resource of request.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  t.teardown(() => server.close());
  return { endpoint: server.baseUrl.replace(/\/v1$/, ''), spans, paths };
}

t.test('with OTEL_EXPORTER_OTLP_ENDPOINT a chat turn is exported as a trace: retrieve, compose and the model call inside the turn', async (t) => {
  const collector = await fakeCollector(t);
  const { fake, app, lib, chat } = await setup(t, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint } });
  fake.script({ type: 'reply', content: 'I can offer store credit.', usage: { prompt_tokens: 100, completion_tokens: 6, total_tokens: 106 } });
  t.equal((await chat({ messages: refundConversation })).statusCode, 200);
  await app.close(); // flushes the batch
  const spans = await waitFor(() => (collector.spans.some((s) => s.name === 'chat turn') ? collector.spans : undefined), { timeout: 10_000, message: 'no chat turn span arrived' });
  t.ok(collector.paths.every((p) => p === '/v1/traces'), 'sent to the standard OTLP/HTTP path');
  const turn = spans.find((s) => s.name === 'chat turn')!;
  const inTurn = spans.filter((s) => s.traceId === turn.traceId);
  const named = (name: string) => inTurn.find((s) => s.name === name);
  for (const name of ['retrieve', 'compose', 'model call']) {
    t.equal(named(name)?.parentSpanId, turn.spanId, `${name} is a child of the chat turn`);
  }
  const attribute = (span: OtlpSpan | undefined, key: string) => span?.attributes.find((a) => a.key === key)?.value;
  t.equal(attribute(turn, 'coach.library_id')?.stringValue, lib.id);
  t.equal(attribute(named('model call'), 'gen_ai.request.model')?.stringValue, STUDENT_MODEL);
  t.equal(Number(attribute(named('model call'), 'gen_ai.usage.input_tokens')?.intValue), 100);
});
