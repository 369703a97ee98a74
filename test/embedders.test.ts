import { createHash } from 'node:crypto';
import t from 'tap';
import { UpstreamError } from '../src/errors.js';
import { durationFeatures, durationSpans, LocalEmbedder } from '../src/retrieval/local-embedder.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../src/retrieval/openai-embedder.js';
import { admin, testApp } from './helpers/app.js';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

function embedder(fake: FakeEmbeddings, options: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({ baseUrl: fake.baseUrl, model: 'fake-embed', apiKey: 'none', dimension: fake.dimension, batchSize: 128, timeoutMs: 5_000, maxRetries: 3, ...options });
}

const TEXTS = ['refund after thirty days', 'forgot my password', 'change shipping address', 'cancel my subscription', 'broken item arrived', 'invoice copy', 'gift card balance'];

t.test('requests are split by the batch size, sent as floats, and vectors come back in input order', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const vectors = await embedder(fake, { batchSize: 3 }).embed(TEXTS);
  t.same(fake.requests.map((r) => r.inputs), [TEXTS.slice(0, 3), TEXTS.slice(3, 6), TEXTS.slice(6)]);
  for (const request of fake.requests) {
    t.equal(request.body.encoding_format, 'float', 'base64 (the SDK default) yields empty vectors on several servers');
    t.equal(request.body.model, 'fake-embed');
  }
  // The fake answers in reverse order with indexes; its vectors are the local embedder's, scaled.
  const local = new LocalEmbedder({ dimension: fake.dimension });
  t.equal(vectors.length, TEXTS.length);
  vectors.forEach((vector, i) => {
    const expected = local.embedOne(TEXTS[i]!);
    t.ok(vector.every((x, d) => Math.abs(x - expected[d]!) < 1e-9), `vector ${i} belongs to its own text, normalised`);
  });
});

t.test('429 and 5xx are retried, honouring Retry-After; attempts are bounded', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  fake.script({ type: 'error', status: 429, retryAfterMs: 10 }, { type: 'error', status: 500, retryAfterMs: 10 }, { type: 'error', status: 503, retryAfterMs: 10 });
  const vectors = await embedder(fake).embed(['forgot my password']);
  t.equal(fake.requests.length, 4, 'three failures, then success on the fourth attempt');
  t.equal(vectors[0]!.length, fake.dimension);

  const slowRetry = await FakeEmbeddings.start(t);
  slowRetry.script({ type: 'error', status: 429, retryAfterSeconds: 1 });
  const started = Date.now();
  await embedder(slowRetry).embed(['forgot my password']);
  t.equal(slowRetry.requests.length, 2);
  t.ok(Date.now() - started >= 900, 'waited the Retry-After seconds before the second attempt');

  const down = await FakeEmbeddings.start(t);
  down.otherwise({ type: 'error', status: 502, retryAfterMs: 5 });
  const err = await embedder(down, { maxRetries: 2 }).embed(['x']).catch((e: unknown) => e);
  t.ok(err instanceof UpstreamError);
  t.match((err as Error).message, /embedding server failed: 502/);
  t.equal(down.requests.length, 3, 'one attempt plus EMBEDDINGS_MAX_RETRIES');

  const badRequest = await FakeEmbeddings.start(t);
  badRequest.otherwise({ type: 'error', status: 400 });
  await t.rejects(embedder(badRequest).embed(['x']), /400/);
  t.equal(badRequest.requests.length, 1, 'a 4xx other than 408/409/429 is not retried');
});

t.test('a vector of the wrong dimension is a clear error, not a corrupt write', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  fake.script({ type: 'dimension', dimension: 1536 });
  await t.rejects(embedder(fake).embed(['forgot my password']), {
    name: 'UpstreamError',
    message: /fake-embed returned dimension 1536, expected 256 \(set EMBEDDINGS_DIMENSIONS\)/,
  });
});

t.test('a slow server times out per EMBEDDINGS_TIMEOUT_MS, each attempt', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  fake.otherwise({ type: 'slow', delayMs: 5_000 });
  const started = Date.now();
  await t.rejects(embedder(fake, { timeoutMs: 200, maxRetries: 1 }).embed(['x']), /timed out/i);
  t.equal(fake.requests.length, 2);
  t.ok(Date.now() - started < 4_000, 'gave up long before the server answered');
});

t.test('with EMBEDDER=openai, a new library uses the server for import and retrieval through the app', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app } = await testApp(t, { env: fake.env({ EMBEDDINGS_BATCH_SIZE: '4' }) });
  const lib = await createLibrary(app);
  const got = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}`, headers: admin })).json();
  t.match(got, { embedder: 'openai:fake-embed', embedding_dim: 256 });

  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  // The scenario, and the document (scenario and guidance as one text) and each example for the centroid.
  const texts = SAMPLE_ENTRIES.reduce((n, e) => n + 2 + e.examples.length, 0);
  const sizes = Array.from({ length: Math.ceil(texts / 4) }, (_, i) => Math.min(4, texts - 4 * i));
  t.same(fake.requests.map((r) => r.inputs.length), sizes, 'one import, split by EMBEDDINGS_BATCH_SIZE');
  t.ok(fake.requests.flatMap((r) => r.inputs).includes(SAMPLE_ENTRIES[1]!.scenario));

  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/retrieve`,
    headers: admin,
    payload: { messages: [{ role: 'user', content: 'I forgot my password and cannot sign in' }], k: 2 },
  });
  t.equal(res.statusCode, 200);
  t.equal(res.json().results[0].id, ids[1]);
  t.ok(res.json().results[0].explanation.best_similarity > 0.5, 'matched by vector, not only by text');
  t.equal(fake.requests.at(-1)!.inputs.length, 1, 'the query was embedded by the server too');
});

t.test('with the embedding server down, a write answers 502 and stores nothing', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app } = await testApp(t, { env: fake.env({ EMBEDDINGS_MAX_RETRIES: '1' }) });
  const lib = await createLibrary(app);
  fake.otherwise({ type: 'error', status: 500, retryAfterMs: 5 });
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: SAMPLE_ENTRIES });
  t.equal(res.statusCode, 502);
  t.equal(res.json().error.code, 'upstream_error');
  const list = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance`, headers: admin });
  t.same(list.json().items, []);
});

t.test("the local embedder's vectors do not change between versions of Coach: stored libraries stay comparable with new queries", async (t) => {
  // A text of 3,000 distinct words holds more features than the counting table starts with.
  const words = Array.from({ length: 3000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36));
  const texts = ['I want a refund for the jacket I returned last week', "Hi! Can't log in: my e-mail is jo@example.com, see https://shop.example/help", words.join(' ')];
  const embedder = new LocalEmbedder({ version: 1, dimension: 512 });
  t.equal(embedder.id, 'local:hash-v1-512');
  const vectors = await embedder.embed([...texts, texts[0]!]);
  t.same(vectors[3], vectors[0], 'a text embeds alike after a long one');
  const digest = createHash('sha256').update(JSON.stringify(vectors.map((v) => v.map((x) => x.toFixed(12))))).digest('hex');
  // Computed with the Map-counting implementation of local:hash-v1 that libraries were stored with.
  t.equal(digest, '89c3f26ddeee0e3e0cf512aed0066518b1ec8c83a8af0980e82b605a5eab6ecf');
});

t.test('the local embedder of new libraries counts question words, durations and their spans, and libraries stored with an earlier recipe keep theirs', async (t) => {
  const [v1, v2, v3, v4] = [new LocalEmbedder({ version: 1 }), new LocalEmbedder({ version: 2 }), new LocalEmbedder({ version: 3 }), new LocalEmbedder()];
  t.equal(v4.id, 'local:hash-v4-1024');
  t.same(v1.embedOne('When is my bill due?'), v1.embedOne('Why is my bill due?'), 'version 1 reads both as "bill due"');
  t.notSame(v2.embedOne('When is my bill due?'), v2.embedOne('Why is my bill due?'), 'version 2 tells a date from a reason');
  t.same(v2.embedOne('my bill is due'), v1.embedOne('my bill is due'), 'a text without question words embeds as version 1 did');

  const invalid = (days: string) => `my promo code says invalid, I got it ${days} ago`;
  t.same(v2.embedOne(invalid('5 days')), v2.embedOne(invalid('9 days')), 'version 2 drops the number: both read "promo code says invalid days ago"');
  t.notSame(v3.embedOne(invalid('5 days')), v3.embedOne(invalid('9 days')), 'version 3 tells 5 days from 9');
  t.same(v3.embedOne(invalid('a week')), v3.embedOne(invalid('1 week')), 'a count written as a word is the same duration');
  t.same(v3.embedOne('order 9 of 12, id 42'), v2.embedOne('order 9 of 12, id 42'), 'numbers that are not durations embed as before');
  t.same(durationFeatures('Two weeks ago, then 3 days, then an hour; order 123 days'), ['2 week', '3 day', '1 hour']);

  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
  const [twoDays, fiveDays, nineDays] = [invalid('2 days'), invalid('5 days'), invalid('9 days')];
  // In version 3 each number is a feature of its own, so the two gaps differ only by hash collisions.
  const gap = (embedder: LocalEmbedder) => cosine(embedder.embedOne(twoDays), embedder.embedOne(fiveDays)) - cosine(embedder.embedOne(twoDays), embedder.embedOne(nineDays));
  t.ok(gap(v4) > gap(v3) + 0.01, 'version 4: 2 and 5 days are both within a week, 9 days is not');
  t.same(v4.embedOne('order 9 of 12, id 42'), v3.embedOne('order 9 of 12, id 42'), 'a text without durations embeds as in version 3');
  t.same(
    durationSpans('within 24 hours, 1 day, two days, a week, 8 days, a month, 31 days, 12 months, 2 years'),
    ['within day', 'within day', 'within week', 'within week', 'within month', 'within month', 'within month', 'within year', 'over year'],
  );

  const { app } = await testApp(t);
  const create = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/libraries', headers: admin, payload: { name: `lib-${Math.random()}`, ...body } });
  t.match((await create({})).json(), { embedder: 'local:hash-v4-1024', embedding_dim: 1024 }, 'a new library gets the latest recipe at 1,024 dimensions');
  const stored = (await create({ embedder: 'local:hash-v1-512' })).json();
  t.equal(stored.embedder, 'local:hash-v1-512');
  await importEntries(app, stored.id, SAMPLE_ENTRIES);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${stored.id}/retrieve`,
    headers: admin,
    payload: { messages: [{ role: 'user', content: SAMPLE_ENTRIES[0]!.examples![0]! }], k: 1 },
  });
  t.equal(res.json().results[0].external_id, SAMPLE_ENTRIES[0]!.external_id, 'searched with the recipe its vectors were made with');
  const unknown = await create({ embedder: 'local:hash-v5-512' });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().error, { details: { field: 'embedder' }, message: /local:hash-v5-512" is not available/ });
});
