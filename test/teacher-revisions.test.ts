import t from 'tap';
import { admin } from './helpers/app.js';
import { ENTRIES, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { importEntries } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

t.test('an approved entry keeps serving while its revision is pending; reviewers approve or reject revisions', async (t) => {
  const { run, entry, evidence, app, lib } = await teacherSetup(t);
  const { ids: [cancel, address] } = await importEntries(app, lib.id, [
    { external_id: 'cancel', scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.', examples: ['cancel my order please'] },
    { external_id: 'address', scenario: ENTRIES.address.scenario, guidance: 'Be polite.' },
  ]);
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS] });
  t.match(job, { status: 'done', produced_entry_ids: [], merged_entry_ids: [] });
  t.same([...job.revised_entry_ids].sort(), [cancel, address].sort());

  const served = await entry(cancel!);
  t.match(served, { version: 1, status: 'approved', guidance: 'Be polite.', pending_revision: { base_version: 1 } }, 'the entry is unchanged and shows its pending revision');
  const retrieved = (await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: [{ role: 'user', content: CANCEL.opening }], k: 1 } })).json();
  t.match(retrieved.results, [{ id: cancel, version: 1, guidance: 'Be polite.' }], 'and it is what retrieval serves');

  const queue = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/revisions`, headers: admin })).json().items;
  t.equal(queue.length, 2, 'both revisions wait in the review queue');
  const revision = queue.find((r: { entry_id: string }) => r.entry_id === cancel);
  t.match(revision, {
    id: served.pending_revision.id,
    status: 'pending',
    base_version: 1,
    guidance: `Be polite. ${ENTRIES.cancel.guidance}`,
    examples: ['cancel my order please', CANCEL.opening],
    policy_refs: [VERIFY_CLAUSE],
    entry: { version: 1, status: 'approved', guidance: 'Be polite.' },
  });
  t.match(revision.provenance.sources, [{ source: 'api' }, { job_id: job.id, source_id: 'cancel-1' }], 'every source that contributed');
  const [proof] = (await evidence(cancel!)).items;
  t.match(proof, { action: 'revised', revision_id: revision.id, entry_version: 1 });
  t.match(proof.evidence.acceptance.rounds[0].lift, { lift: 1, retrieved: true, accepted: true }, "the revision's text was served in the entry's place, and helped");

  const decide = (gid: string, rid: string, verdict: string, payload: object) =>
    app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${gid}/revisions/${rid}/${verdict}`, headers: admin, payload });
  t.equal((await decide(cancel!, revision.id, 'approve', {})).statusCode, 400, 'a reason is required');
  const approved = await decide(cancel!, revision.id, 'approve', { reason: 'checked against the policy' });
  t.equal(approved.statusCode, 200, approved.body);
  t.match(approved.json(), { entry: { version: 2, status: 'approved', guidance: revision.guidance, examples: revision.examples }, revision: { status: 'approved', applied_version: 2, reason: 'checked against the policy' } });
  t.match((await entry(cancel!)).provenance.sources, revision.provenance.sources);
  t.equal((await entry(cancel!)).pending_revision, null);
  const history = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${cancel}/history`, headers: admin })).json().items;
  t.match(history[0], { version: 2, reason: /approve revision .*: checked against the policy/ });
  const again = await decide(cancel!, revision.id, 'reject', { reason: 'too late' });
  t.equal(again.statusCode, 409);
  t.match(again.json().error.message, /is approved, not pending/);

  const other = queue.find((r: { entry_id: string }) => r.entry_id === address);
  t.equal((await decide(cancel!, other.id, 'reject', { reason: 'x' })).statusCode, 404, 'a revision is reached through its own entry');
  const rejected = await decide(address!, other.id, 'reject', { reason: 'not our wording' });
  t.match(rejected.json(), { status: 'rejected', reason: 'not our wording' });
  t.match(await entry(address!), { version: 1, guidance: 'Be polite.', pending_revision: null }, 'a rejected revision leaves the entry as it was');
  const listed = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${address}/revisions`, headers: admin })).json().items;
  t.match(listed, [{ id: other.id, status: 'rejected' }]);
  t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/revisions`, headers: admin })).json().items, [], 'the queue is empty');
});

t.test('auto_approve approves a pending revision whose lift was shown', async (t) => {
  const { run, entry, app, lib } = await teacherSetup(t);
  const { ids: [cancel] } = await importEntries(app, lib.id, [{ scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.' }]);
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { auto_approve: true, rollouts: 1 } });
  t.same(job.revised_entry_ids, [cancel]);
  t.match(await entry(cancel!), { version: 2, status: 'approved', guidance: `Be polite. ${ENTRIES.cancel.guidance}`, pending_revision: null });
});

t.test('near-duplicate decisions are serialised per library: two similar scenarios in one job make one note', async (t) => {
  const { run, entries } = await teacherSetup(t, { TEACHER_CONCURRENCY: '2' });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, { ...CANCEL, id: 'cancel-2', opening: 'Hello, cancel order 99 for me.' }], options: { rollouts: 1, samples: 2 } });
  // Apart, so a failure shows the steps' errors (t.match takes [] for any array).
  t.same(job.errors, [], 'no step failed');
  t.equal(job.status, 'done');
  const all = await entries();
  t.equal(all.length, 1, 'one note, not two copies');
  t.equal(job.produced_entry_ids.length, 1);
  t.same(job.merged_entry_ids, job.produced_entry_ids, 'the second decision merged into the first');
  t.same(all[0].provenance.sources.map((s: { source_id: string }) => s.source_id).sort(), ['cancel-1', 'cancel-2']);
  t.same([...all[0].examples].sort(), [CANCEL.opening, 'Hello, cancel order 99 for me.'].sort());
});

