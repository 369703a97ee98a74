import t from 'tap';
import { buildApp } from '../src/app.js';
import { GuidanceStore } from '../src/library/guidance-store.js';
import { Embedders } from '../src/retrieval/embedders.js';
import { LibraryWriter } from '../src/teacher/library-writer.js';
import type { DecisionPoint, EntryDraft } from '../src/teacher/types.js';
import { GuidanceRevisions } from '../src/library/guidance-revisions.js';
import { SimilarEntries } from '../src/teacher/similar-entries.js';
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
  const calls = { customer: fake.count('customer'), contrast: fake.count('teacher:turn_verdict'), write: fake.count('teacher:guidance_entry') };

  fake.on('teacher:policy_check', () => ({ json: { conflict: false, clauses: [], explanation: 'fine' } }));
  const second = await buildApp(testConfig(env), { db });
  t.teardown(() => second.close());
  const client = jobClient(second, lib.id);
  const job = await client.finished(job_id);
  t.match(job, { status: 'done', progress: { done: 2, failed: 0, total: 2 }, errors: [] });
  t.equal(fake.count('customer'), calls.customer, 'no simulation was run again');
  t.equal(fake.count('teacher:turn_verdict'), calls.contrast, 'no contrast was run again');
  t.equal(fake.count('teacher:guidance_entry'), calls.write, 'the unfinished group went on from its checkpoint: its note was not written again');
  const entries = await client.entries();
  t.equal(entries.length, 2, 'one entry per scenario');
  t.same(entries.map((e: { scenario: string }) => e.scenario).sort(), [ENTRIES.cancel.scenario, ENTRIES.address.scenario].sort());
  t.same([...job.produced_entry_ids].sort(), entries.map((e: { id: string }) => e.id).sort());
  const [evidence] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM teacher_evidence WHERE job_id = $1', [job_id]);
  t.equal(evidence!.n, 2);
});

t.test('placing a group twice (a step resumed after the write) changes nothing the second time', async (t) => {
  const db = await openTestDb(t);
  const config = testConfig();
  const app = await buildApp(config, { db });
  t.teardown(() => app.close());
  const { id } = await createLibrary(app, { policy: POLICY });
  const library = (await app.inject({ method: 'GET', url: `/v1/libraries/${id}`, headers: admin })).json() as Library;
  const embedders = new Embedders(config.embedder);
  const store = new GuidanceStore(db, embedders, config.retrieval.duplicateThreshold);
  const writer = new LibraryWriter(db, store, new GuidanceRevisions(db, store), new SimilarEntries(db, embedders, config.retrieval.duplicateThreshold));
  const job = (await db.query<{ id: string }>(`INSERT INTO teacher_jobs (library_id, kind, options, models) VALUES ($1, 'scenarios', '{}', '{}') RETURNING id`, [id]))[0]!;
  const writing = { id: job.id, requestedBy: null, models: { ...MODELS, judge: MODELS.teacher }, prompts: { write: 'write.v3' } };
  const point: DecisionPoint = {
    key: 'cancel-1#1', sourceId: 'cancel-1', turn: 1, state: [{ role: 'user', content: 'cancel it' }], agentReply: 'done',
    teacherReply: 'verify first', shortfall: true, kinds: ['missed_step'], explanation: 'no verification',
  };
  const group = { key: 'cancel-1:cancel', sourceId: 'cancel-1', situation: 'cancel', points: [point], siblings: [] };
  const draft = { ...ENTRIES.cancel, policy_refs: [VERIFY_CLAUSE], tags: ['identity'], rationale: 'r', examples: ['cancel it'] };
  const merge = async (_existing: unknown, d: EntryDraft) => ({ ...d, guidance: 'Verify first, always.' });
  const once = await writer.place(writing, library, group, draft, merge);
  const twice = await writer.place(writing, library, group, draft, merge);
  t.same(twice.written, once.written);
  t.equal(once.written.action, 'created');
  const other = { ...group, key: 'cancel-2:cancel', sourceId: 'cancel-2' };
  const merged = await writer.place(writing, library, other, draft, merge);
  t.same(merged.written, { entryId: once.written.entryId, version: 2, action: 'merged', mergedInto: { id: once.written.entryId, version: 1 } }, 'the near-duplicate draft got a new version');
  t.same((await writer.place(writing, library, other, draft, merge)).written, { entryId: once.written.entryId, version: 2, action: 'merged' }, 'the merge is not applied twice');
  const [counts] = await db.query<{ entries: number; versions: number }>(
    `SELECT (SELECT count(*)::int FROM guidance_entries WHERE library_id = $1) AS entries,
            (SELECT count(*)::int FROM guidance_versions WHERE entry_id = $2) AS versions`,
    [id, once.written.entryId],
  );
  t.same(counts, { entries: 1, versions: 2 });
});
