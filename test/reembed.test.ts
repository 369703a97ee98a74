import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp } from '../src/app.js';
import type { Db } from '../src/db/db.js';
import { admin, bearer, createKey, testApp, testConfig } from './helpers/app.js';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { waitFor } from './helpers/wait-for.js';

const LOCAL = 'local:hash-v1-512';
const OPENAI = 'openai:fake-embed';

const MORE_ENTRIES = [
  { external_id: 'cancel', scenario: 'Customer wants to cancel a monthly subscription', guidance: 'Confirm the plan, offer a pause, then cancel if they insist.', examples: ['please cancel my membership'] },
  { external_id: 'damaged', scenario: 'Customer received a broken or damaged item', guidance: 'Apologise, ask for a photo, and send a replacement.', examples: ['the vase arrived smashed'] },
  { external_id: 'invoice', scenario: 'Customer needs a copy of an invoice for accounting', guidance: 'Send the invoice PDF to the email on file.', examples: ['can I get a receipt for my company'] },
];
const ENTRIES = [...SAMPLE_ENTRIES, ...MORE_ENTRIES];
const GIFT_CARD = { external_id: 'gift-card', scenario: 'Customer asks for the balance of a gift card', guidance: 'Ask for the card number and read the balance.', examples: ['how much is left on my voucher'] };

const reembed = (app: FastifyInstance, libraryId: string, payload: unknown, headers = admin) =>
  app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/reembed`, headers, payload: payload as object });

interface JobView {
  id: string;
  status: string;
  done: number;
  total: number;
  started_at: string | null;
  finished_at: string | null;
}

async function job(app: FastifyInstance, libraryId: string): Promise<JobView> {
  const res = await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/reembed`, headers: admin });
  if (res.statusCode !== 200) throw new Error(`GET reembed: ${res.statusCode} ${res.body}`);
  return res.json();
}

const jobWhere = (app: FastifyInstance, libraryId: string, what: string, ok: (j: JobView) => boolean) => {
  let last: JobView | undefined;
  return waitFor(async () => ok((last = await job(app, libraryId))) && last, {
    timeout: 30_000,
    message: () => `timed out waiting for ${what}; last: ${JSON.stringify(last)}`,
  });
};

async function library(app: FastifyInstance, libraryId: string): Promise<{ embedder: string; embedding_dim: number }> {
  return (await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}`, headers: admin })).json();
}

/** The top entry for a customer message; the vector side must have matched. */
async function top(app: FastifyInstance, libraryId: string, message: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${libraryId}/retrieve`,
    headers: admin,
    payload: { messages: [{ role: 'user', content: message }], k: 3 },
  });
  if (res.statusCode !== 200) throw new Error(`retrieve: ${res.statusCode} ${res.body}`);
  const [best] = res.json().results;
  if (best === undefined || best.explanation.best_similarity <= 0) throw new Error(`no vector match for "${message}": ${res.body}`);
  return best.id;
}

/** Chunk rows of the library per embedder, in both the indexed and the pending table. */
async function chunkEmbedders(db: Db, libraryId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ embedder: string; n: number }>(
    `SELECT embedder, count(*)::int AS n FROM (
       SELECT embedder FROM guidance_chunks WHERE library_id = $1 UNION ALL SELECT embedder FROM guidance_chunks_pending WHERE library_id = $1
     ) c GROUP BY embedder ORDER BY embedder`,
    [libraryId],
  );
  return Object.fromEntries(rows.map((r) => [r.embedder, r.n]));
}

// Stored: the scenario and the centroid. Embedded: the scenario, the document and each example (the centroid's parts).
const chunkCount = (entries: { examples?: string[] }[]) => 2 * entries.length;
const textCount = (entries: { examples?: string[] }[]) => entries.reduce((n, e) => n + 2 + (e.examples?.length ?? 0), 0);

t.test('local → openai and back: searchable throughout, progress reported, writes during the job included', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app, db } = await testApp(t, { env: fake.env({ REEMBED_BATCH_SIZE: '2' }) });
  const lib = await createLibrary(app, { embedder: LOCAL });
  const { ids } = await importEntries(app, lib.id, ENTRIES);
  fake.hold();

  const queued = await reembed(app, lib.id, { embedder: OPENAI });
  t.equal(queued.statusCode, 202);
  t.match(queued.json(), { library_id: lib.id, source_embedder: LOCAL, target_embedder: OPENAI, target_dim: 256, done: 0, total: 6, error: null });
  t.ok(['pending', 'running'].includes(queued.json().status));

  await fake.received(1);
  t.match(await job(app, lib.id), { status: 'running', done: 0, total: 6 });
  t.equal(await top(app, lib.id, 'I forgot my password'), ids[1], 'searchable while the first batch is being embedded');

  fake.allow(1);
  await jobWhere(app, lib.id, 'the first batch', (j) => j.done === 2);
  t.match(await library(app, lib.id), { embedder: LOCAL, embedding_dim: 512 }, 'search still uses the old embedder');
  t.same(await chunkEmbedders(db, lib.id), { [LOCAL]: chunkCount(ENTRIES), [OPENAI]: chunkCount(ENTRIES.slice(0, 2)) });

  // Written during the job, with the library still on the local embedder: a new entry, and a change
  // to an entry whose batch is already done.
  const { ids: [giftCard] } = await importEntries(app, lib.id, [GIFT_CARD]);
  const changed = 'Customer was charged twice for the same order';
  const patch = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${ids[0]}`, headers: admin, payload: { scenario: changed, examples: ['I see two identical charges on my card'] } });
  t.equal(patch.statusCode, 200);
  t.equal(await top(app, lib.id, 'how much money is left on my gift card'), giftCard, 'a new entry is searchable during the job');
  t.match(await job(app, lib.id), { status: 'running', done: 1, total: 7 }, 'the changed entry counts as not done again');

  fake.open();
  const done = await jobWhere(app, lib.id, 'the switch', (j) => j.status !== 'running');
  t.match(done, { status: 'done', done: 7, total: 7, error: null });
  t.ok(done.finished_at !== null && done.started_at !== null);
  t.match(await library(app, lib.id), { embedder: OPENAI, embedding_dim: 256 });
  const allEntries = [{ ...ENTRIES[0], examples: ['I see two identical charges on my card'] }, ...ENTRIES.slice(1), GIFT_CARD];
  t.same(await chunkEmbedders(db, lib.id), { [OPENAI]: chunkCount(allEntries) }, 'old chunks deleted; every entry has new ones');
  const embedded = new Set(fake.requests.flatMap((r) => r.inputs));
  t.ok(embedded.has(GIFT_CARD.scenario) && embedded.has(changed), 'entries written during the job were embedded with the target');
  t.equal(await top(app, lib.id, 'I was charged twice for one order'), ids[0]);
  t.equal(await top(app, lib.id, 'how much money is left on my gift card'), giftCard);
  t.equal(await top(app, lib.id, 'I forgot my password'), ids[1]);

  const requestsBefore = fake.requests.length;
  const back = await reembed(app, lib.id, { embedder: LOCAL });
  t.equal(back.statusCode, 202);
  t.match(await jobWhere(app, lib.id, 'the switch back', (j) => j.status !== 'pending' && j.status !== 'running'), { status: 'done', source_embedder: OPENAI, target_embedder: LOCAL, done: 7, total: 7 });
  t.match(await library(app, lib.id), { embedder: LOCAL, embedding_dim: 512 });
  t.same(await chunkEmbedders(db, lib.id), { [LOCAL]: chunkCount(allEntries) });
  t.equal(await top(app, lib.id, 'I forgot my password'), ids[1]);
  t.ok(fake.requests.length - requestsBefore <= 1, 'the local embedder needs no server (only retrieval queries may reach it)');
});

t.test('failure: the job fails with the error, the library and its search stay as they were', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app, db } = await testApp(t, { env: fake.env({ REEMBED_BATCH_SIZE: '2', EMBEDDINGS_MAX_RETRIES: '1' }) });
  const lib = await createLibrary(app, { embedder: LOCAL });
  const { ids } = await importEntries(app, lib.id, ENTRIES);
  // The first batch succeeds, then the server goes down for good.
  fake.script({ type: 'ok' }).otherwise({ type: 'error', status: 500, retryAfterMs: 5 });

  t.equal((await reembed(app, lib.id, { embedder: OPENAI })).statusCode, 202);
  const failed = await jobWhere(app, lib.id, 'the failure', (j) => j.status === 'failed' || j.status === 'done');
  t.match(failed, { status: 'failed', done: 2, total: 6, error: /embedding server failed: 500/ });
  t.equal(fake.requests.length, 3, 'one good batch, then one attempt and one retry');
  t.match(await library(app, lib.id), { embedder: LOCAL, embedding_dim: 512 });
  t.same(await chunkEmbedders(db, lib.id), { [LOCAL]: chunkCount(ENTRIES) }, 'the partial target chunks were removed');
  t.equal(await top(app, lib.id, 'I forgot my password'), ids[1]);

  fake.otherwise({ type: 'ok' });
  t.equal((await reembed(app, lib.id, { embedder: OPENAI })).statusCode, 202, 'a failed job does not block a new one');
  t.match(await jobWhere(app, lib.id, 'the retry', (j) => j.status === 'done' || j.status === 'failed'), { status: 'done', done: 6 });
});

t.test('a job resumes after a restart without redoing finished batches', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const env = fake.env({ REEMBED_BATCH_SIZE: '2' });
  const { app: setup, db } = await testApp(t, { env });
  const lib = await createLibrary(setup, { embedder: LOCAL });
  await importEntries(setup, lib.id, ENTRIES);
  await setup.close();

  fake.hold();
  const first = await buildApp(testConfig(env), { db });
  const queued = (await reembed(first, lib.id, { embedder: OPENAI })).json();
  fake.allow(2);
  await fake.received(3); // the third batch is held
  await jobWhere(first, lib.id, 'two batches', (j) => j.done === 4);
  await first.close();
  const [stored] = await db.query<{ status: string; worker: string | null; cursor_seq: string }>('SELECT status, worker, cursor_seq::text FROM reembed_jobs');
  t.match(stored, { status: 'running', worker: null }, 'a clean stop releases the job at once');

  fake.open();
  const { app: second } = await testApp(t, { env, db });
  const done = await jobWhere(second, lib.id, 'the resumed job', (j) => j.status === 'done' || j.status === 'failed');
  t.match(done, { id: queued.id, status: 'done', done: 6, total: 6 });
  const finishedBeforeRestart = ENTRIES.slice(0, 4).map((e) => e.scenario);
  const afterRestart = fake.requests.slice(3).flatMap((r) => r.inputs);
  t.same(afterRestart.filter((text) => finishedBeforeRestart.includes(text)), [], 'no finished batch was embedded again');
  t.ok(ENTRIES.slice(4).every((e) => afterRestart.includes(e.scenario)), 'the abandoned batch was redone');
  t.match(await library(second, lib.id), { embedder: OPENAI });
  t.same(await chunkEmbedders(db, lib.id), { [OPENAI]: chunkCount(ENTRIES) });
});

t.test('two instances on one database share the queue: each batch is embedded once', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const env = fake.env({ REEMBED_BATCH_SIZE: '2' });
  const { app: one, db } = await testApp(t, { env });
  const { app: two } = await testApp(t, { env, db });
  const a = await createLibrary(one, { embedder: LOCAL });
  const b = await createLibrary(two, { embedder: LOCAL });
  await importEntries(one, a.id, ENTRIES);
  await importEntries(two, b.id, ENTRIES);
  await reembed(one, a.id, { embedder: OPENAI });
  await reembed(two, b.id, { embedder: OPENAI });
  for (const lib of [a, b]) t.match(await jobWhere(one, lib.id, 'both jobs', (j) => j.status === 'done' || j.status === 'failed'), { status: 'done', done: 6 });
  const inputs = fake.requests.flatMap((r) => r.inputs);
  t.equal(inputs.length, 2 * textCount(ENTRIES), 'no batch was embedded by both instances');
});

t.test('an instance claims only jobs whose target embedder it can run', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app: withModel, db } = await testApp(t, { env: fake.env({ REEMBED_BATCH_SIZE: '2' }) });
  const blocker = await createLibrary(withModel, { embedder: LOCAL });
  const waiting = await createLibrary(withModel, { embedder: LOCAL });
  await importEntries(withModel, blocker.id, ENTRIES);
  await importEntries(withModel, waiting.id, ENTRIES);
  // The instance with the embedding model runs one job at a time: while its first waits on the
  // held server, its second stays queued where another instance could take it.
  fake.hold();
  await reembed(withModel, blocker.id, { embedder: OPENAI });
  await fake.received(1);
  const queued = (await reembed(withModel, waiting.id, { embedder: OPENAI })).json();

  // An instance with only local embedders on the same database; it claims in submission order, so
  // finishing its own later job shows it passed the other one by.
  const { app: localOnly } = await testApp(t, { db });
  const own = await createLibrary(localOnly, { embedder: LOCAL });
  await importEntries(localOnly, own.id, SAMPLE_ENTRIES);
  t.equal((await reembed(localOnly, own.id, { embedder: 'local:hash-v1-256' })).statusCode, 202);
  t.match(await jobWhere(localOnly, own.id, 'its own job', (j) => j.status === 'done' || j.status === 'failed'), { status: 'done' });
  t.match(await job(localOnly, waiting.id), { id: queued.id, status: 'pending', started_at: null }, 'it left the job it cannot run alone');

  fake.open();
  for (const lib of [blocker, waiting]) {
    t.match(await jobWhere(withModel, lib.id, 'the jobs of the instance with the model', (j) => j.status === 'done' || j.status === 'failed'), { status: 'done', done: 6 });
  }
});

t.test('requests are validated, role-checked and scoped', async (t) => {
  const fake = await FakeEmbeddings.start(t);
  const { app } = await testApp(t, { env: fake.env() });
  const lib = await createLibrary(app, { embedder: LOCAL });
  const other = await createLibrary(app, { embedder: LOCAL });

  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/reembed`, headers: admin })).statusCode, 404, 'no job yet');
  const wrongType = await reembed(app, lib.id, { embedder: 42 });
  t.equal(wrongType.statusCode, 400);
  t.match(wrongType.json().error.message, /body\.embedder/);
  t.match((await reembed(app, lib.id, {})).json().error.message, /body\.embedder/);
  t.match((await reembed(app, lib.id, { embedder: OPENAI, extra: 1 })).json().error.message, /body\.extra.*unknown field/);
  const unknown = await reembed(app, lib.id, { embedder: 'cohere:embed-v3' });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().error, { code: 'validation_error', message: /embedder: "cohere:embed-v3" is not available/ });
  const same = await reembed(app, lib.id, { embedder: LOCAL });
  t.equal(same.statusCode, 409);
  t.match(same.json().error.message, /already uses local:hash-v1-512/);
  const patch = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { embedder: OPENAI } });
  t.equal(patch.statusCode, 400, 'PATCH does not switch embedders; the reembed job does');

  await importEntries(app, lib.id, SAMPLE_ENTRIES);
  fake.hold();
  t.equal((await reembed(app, lib.id, { embedder: OPENAI })).statusCode, 202);
  const twice = await reembed(app, lib.id, { embedder: 'local:hash-v1-256' });
  t.equal(twice.statusCode, 409, 'one unfinished job per library');
  t.match(twice.json().error.message, /already has a (pending|running) re-embed job/);

  const student = await createKey(app, { role: 'student' });
  t.equal((await reembed(app, other.id, { embedder: OPENAI }, bearer(student.key))).statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/reembed`, headers: bearer(student.key) })).statusCode, 200, 'anyone who can read the library sees progress');
  const scoped = await createKey(app, { role: 'teacher', library_ids: [lib.id] });
  t.equal((await reembed(app, other.id, { embedder: OPENAI }, bearer(scoped.key))).statusCode, 404);
  t.equal((await reembed(app, '00000000-0000-4000-8000-000000000000', { embedder: OPENAI })).statusCode, 404);
  t.equal((await reembed(app, 'not-a-uuid', { embedder: OPENAI })).statusCode, 400);
  fake.open();
});
