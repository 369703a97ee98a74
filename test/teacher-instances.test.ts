import t from 'tap';
import { buildApp } from '../src/app.js';
import type { Db } from '../src/db/db.js';
import { openPostgres } from '../src/db/postgres-db.js';
import { DEFAULT_OPTIONS } from '../src/teacher/jobs.js';
import { admin, testConfig } from './helpers/app.js';
import { freshDatabaseUrl, openTestDb, usingPostgres } from './helpers/db.js';
import { FakeLlm, MODELS, POLICY, scriptSupportDesk } from './helpers/fake-llm.js';
import { createLibrary } from './helpers/library.js';
import { ADDRESS, CANCEL, jobClient, teacherSetup } from './helpers/teacher.js';
import { waitFor } from './helpers/wait-for.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** One database for several instances: the same PGlite, or a pool of each on the same Postgres URL. */
async function sharedDatabase(t: Teardown): Promise<() => Db> {
  if (!usingPostgres) {
    const db = await openTestDb(t);
    return () => db;
  }
  const url = await freshDatabaseUrl(t);
  return () => {
    const db = openPostgres({ url, poolMax: 3, logger: { info() {}, warn() {}, error() {} } });
    t.teardown(() => db.close());
    return db;
  };
}

t.test('instances on one database run only the jobs whose models they are configured for', async (t) => {
  const database = await sharedDatabase(t);
  const own = scriptSupportDesk(await FakeLlm.start(t));
  const db = database();
  // A customer timeout longer than the test: the held call below ends only when its job is cancelled.
  const first = await buildApp(testConfig(own.env({ TEACHER_CONCURRENCY: '1', CUSTOMER_TIMEOUT_MS: '600000' })), { db });
  t.teardown(() => first.close());
  const lib = await createLibrary(first, { policy: POLICY });
  const client = jobClient(first, lib.id);

  // The first instance's only worker slot is held by a job whose customer never answers, so the
  // next job stays queued where the other instances could take it.
  own.fault('customer', { hang: true });
  const blocker = (await client.teach({ kind: 'scenarios', scenarios: [{ id: 'blocker', description: 'Wants an order cancelled', customer_goal: 'cancel' }] })).json().job_id;
  await waitFor(() => own.count('customer') > 0, { timeout: 30_000, message: 'the blocker job never called the customer simulator' });
  const { job_id } = (await client.teach({ kind: 'scenarios', scenarios: [CANCEL] })).json();

  // A chat-only instance (no teacher) and one with a teacher of its own, on the same database.
  const chatOnlyEnv = Object.fromEntries(Object.entries(own.env()).filter(([name]) => !name.startsWith('TEACHER_')));
  const chatOnly = await buildApp(testConfig(chatOnlyEnv), { db: database() });
  t.teardown(() => chatOnly.close());
  const elsewhere = scriptSupportDesk(await FakeLlm.start(t));
  const other = await buildApp(testConfig(elsewhere.env()), { db: database() });
  t.teardown(() => other.close());
  // The other instance claims in submission order, so finishing its own later job shows it passed this one by.
  const otherJob = await jobClient(other, lib.id).run({ kind: 'scenarios', scenarios: [ADDRESS] });
  t.match(otherJob, { status: 'done', progress: { done: 1, failed: 0, total: 1 } });

  t.match(await client.job(job_id), { status: 'pending', progress: { done: 0, failed: 0, total: 1 }, errors: [] }, 'no other instance touched the job');
  const [row] = await db.query<{ attempts: number }>('SELECT attempts FROM teacher_steps WHERE job_id = $1', [job_id]);
  t.equal(row!.attempts, 0, 'its step was never claimed');

  t.equal((await first.inject({ method: 'POST', url: `/v1/jobs/${blocker}/cancel`, headers: admin })).statusCode, 200);
  const job = await client.finished(job_id);
  t.match(job, { status: 'done', progress: { done: 1, failed: 0, total: 1 }, errors: [] });
  t.equal(job.produced_entry_ids.length, 1);
  const askedElsewhere = elsewhere.requests.filter((r) => r.messages.some((m) => m.content.includes(CANCEL.opening)));
  t.same(askedElsewhere, [], "the other instance's models never saw this job's scenario");
  t.ok(own.requests.some((r) => r.messages.some((m) => m.content.includes(CANCEL.opening))), 'its own models did');
});

t.test('a job queued before endpoints were recorded still runs on an instance with every role configured', async (t) => {
  const { db, lib, finished } = await teacherSetup(t);
  const [job] = await db.query<{ id: string }>(
    `INSERT INTO teacher_jobs (library_id, kind, options, models) VALUES ($1, 'scenarios', $2, $3) RETURNING id`,
    [lib.id, JSON.stringify(DEFAULT_OPTIONS), JSON.stringify(MODELS)],
  );
  await db.query(`INSERT INTO teacher_steps (job_id, ordinal, kind, input) VALUES ($1, 0, 'scenario', $2)`, [job!.id, JSON.stringify(CANCEL)]);
  t.match(await finished(job!.id), { status: 'done', progress: { done: 1, failed: 0, total: 1 }, errors: [] });
});
