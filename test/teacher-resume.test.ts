import t from 'tap';
import { buildApp } from '../src/app.js';
import { GuidanceStore } from '../src/library/guidance-store.js';
import { Embedders } from '../src/retrieval/embedders.js';
import { LibraryWriter } from '../src/teacher/library-writer.js';
import type { DecisionOutcome, DecisionPoint } from '../src/teacher/types.js';
import type { Library } from '../src/library/types.js';
import { admin, testConfig } from './helpers/app.js';
import { openTestDb } from './helpers/db.js';
import { ENTRIES, FakeLlm, MODELS, POLICY, scriptSupportDesk, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { createLibrary } from './helpers/library.js';
import { ADDRESS, CANCEL, jobClient } from './helpers/teacher.js';
import { waitFor } from './helpers/wait-for.js';

t.test('a job resumes after a restart without redoing finished work and without duplicate entries', async (t) => {
  const db = await openTestDb(t);
  const fake = scriptSupportDesk(await FakeLlm.start(t));
  const env = fake.env({ TEACHER_CONCURRENCY: '1' });
  // The address scenario's policy check hangs in the first process, which is then closed.
  fake.on('teacher:policy_check', (r) =>
    /address/i.test(r.messages[1]!.content) ? { hang: true } : { json: { conflict: false, clauses: [], explanation: 'fine' } },
  );
  const first = await buildApp(testConfig(env), { db });
  const lib = await createLibrary(first, { policy: POLICY });
  const { job_id } = (await jobClient(first, lib.id).teach({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS] })).json();
  await waitFor(() => fake.count('teacher:policy_check') >= 2, { timeout: 30_000, message: 'both policy checks were never called' });
  const before = await jobClient(first, lib.id).job(job_id);
  t.match(before, { status: 'running', progress: { done: 1, total: 2 } });
  await first.close();
  const hung = fake.requests.filter((r) => r.schema === 'policy_check')[1]!;
  await hung.closed;
  t.ok(hung.closedEarly, 'closing the app abandoned the call in flight');
  const [step] = await db.query<{ status: string; worker: string | null }>('SELECT status, worker FROM teacher_steps WHERE job_id = $1 AND ordinal = 1', [job_id]);
  t.same(step, { status: 'pending', worker: null }, 'the step was handed back');
  const calls = { customer: fake.count('customer'), contrast: fake.count('teacher:contrast'), write: fake.count('teacher:guidance_entry') };

  fake.on('teacher:policy_check', () => ({ json: { conflict: false, clauses: [], explanation: 'fine' } }));
  const second = await buildApp(testConfig(env), { db });
  t.teardown(() => second.close());
  const client = jobClient(second, lib.id);
  const job = await client.finished(job_id);
  t.match(job, { status: 'done', progress: { done: 2, failed: 0, total: 2 }, errors: [] });
  t.equal(fake.count('customer'), calls.customer, 'no simulation was run again');
  t.equal(fake.count('teacher:contrast'), calls.contrast, 'no contrast was run again');
  t.equal(fake.count('teacher:guidance_entry'), calls.write + 1, 'only the unfinished decision point was elicited again');
  const entries = await client.entries();
  t.equal(entries.length, 2, 'one entry per scenario');
  t.same(entries.map((e: { scenario: string }) => e.scenario).sort(), [ENTRIES.cancel.scenario, ENTRIES.address.scenario].sort());
  t.same([...job.produced_entry_ids].sort(), entries.map((e: { id: string }) => e.id).sort());
  const [evidence] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM teacher_evidence WHERE job_id = $1', [job_id]);
  t.equal(evidence!.n, 2);
});

t.test('writing a decision point twice (a step resumed after the write) changes nothing the second time', async (t) => {
  const db = await openTestDb(t);
  const config = testConfig();
  const app = await buildApp(config, { db });
  t.teardown(() => app.close());
  const { id } = await createLibrary(app, { policy: POLICY });
  const library = (await app.inject({ method: 'GET', url: `/v1/libraries/${id}`, headers: admin })).json() as Library;
  const writer = new LibraryWriter(db, new GuidanceStore(db, new Embedders(config.embedder), config.retrieval.duplicateThreshold));
  const job = (await db.query<{ id: string }>(`INSERT INTO teacher_jobs (library_id, kind, options, models) VALUES ($1, 'scenarios', '{}', '{}') RETURNING id`, [id]))[0]!;
  const writing = { id: job.id, requestedBy: null, models: MODELS, prompts: { write: 'write.v1' } };
  const point: DecisionPoint = {
    key: 'cancel-1#1', sourceId: 'cancel-1', turn: 1, state: [{ role: 'user', content: 'cancel it' }], agentReply: 'done',
    teacherReply: 'verify first', shortfall: true, kinds: ['missed_step'], explanation: 'no verification',
  };
  const outcome: DecisionOutcome = {
    draft: { ...ENTRIES.cancel, policy_refs: [VERIFY_CLAUSE], tags: ['identity'], rationale: 'r' },
    mergeInto: null, rounds: [], passed: true, policy: { conflict: false, clauses: [], explanation: '' }, status: 'draft',
  };
  const once = await writer.write(writing, library, point, outcome);
  const twice = await writer.write(writing, library, point, outcome);
  t.same(twice, once);
  const merge = { ...outcome, mergeInto: { id: once.entryId, version: 1 }, draft: { ...outcome.draft, guidance: 'Verify first, always.' } };
  const mergePoint = { ...point, key: 'cancel-2#1' };
  const merged = await writer.write(writing, library, mergePoint, merge);
  t.same(merged, { entryId: once.entryId, version: 2, action: 'merged' });
  t.same(await writer.write(writing, library, mergePoint, merge), merged, 'the merge is not applied twice');
  const [counts] = await db.query<{ entries: number; versions: number; evidence: number }>(
    `SELECT (SELECT count(*)::int FROM guidance_entries WHERE library_id = $1) AS entries,
            (SELECT count(*)::int FROM guidance_versions WHERE entry_id = $2) AS versions,
            (SELECT count(*)::int FROM teacher_evidence WHERE job_id = $3) AS evidence`,
    [id, once.entryId, job.id],
  );
  t.same(counts, { entries: 1, versions: 2, evidence: 2 });
});
