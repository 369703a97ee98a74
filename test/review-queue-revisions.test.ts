import t from 'tap';
import { admin, createKey } from './helpers/app.js';
import { ENTRIES } from './helpers/fake-llm.js';
import { importEntries } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

t.test('a pending revision waits in the review queue, with its id, until it is decided', async (t) => {
  const { run, app, lib } = await teacherSetup(t);
  const { ids: [cancel, address] } = await importEntries(app, lib.id, [
    { external_id: 'cancel', scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.' },
    { external_id: 'address', scenario: ENTRIES.address.scenario, guidance: 'Be polite.' },
  ]);
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS] });
  t.equal(job.status, 'done');
  const queue = (query = '') => app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue${query}`, headers: admin });
  const revisions = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/revisions`, headers: admin })).json().items;
  const revisionOf = (gid: string) => revisions.find((r: { entry_id: string }) => r.entry_id === gid);

  const all = await queue();
  t.equal(all.statusCode, 200, all.body);
  t.equal(all.json().total, 2, 'the two revisions, and no draft');
  t.same(
    all.json().items.map((i: { kind: string; entry: { id: string }; revision_id: string }) => [i.kind, i.entry.id, i.revision_id]).sort(),
    [['pending_revision', cancel, revisionOf(cancel!).id], ['pending_revision', address, revisionOf(address!).id]].sort(),
  );
  t.match(all.json().items.find((i: { entry: { id: string } }) => i.entry.id === cancel), {
    entry: { version: 1, status: 'approved', guidance: 'Be polite.' },
    evidence: { teacher_evidence: 1 },
    policy_flags: [],
  }, 'the entry as it is served, beside the revision waiting');

  const onlyRevisions = (await queue('?kind=pending_revision&limit=1')).json();
  t.match(onlyRevisions, { total: 2, next_offset: 1 });
  t.equal((await queue('?kind=draft')).json().total, 0);

  const decided = await app.inject({
    method: 'POST', url: `/v1/libraries/${lib.id}/guidance/${cancel}/revisions/${revisionOf(cancel!).id}/approve`, headers: admin, payload: { reason: 'checked' },
  });
  t.equal(decided.statusCode, 200, decided.body);
  t.same((await queue()).json().items.map((i: { entry: { id: string } }) => i.entry.id), [address], 'a decided revision leaves the queue');

  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue`, headers: { authorization: `Bearer ${student.key}` } })).statusCode, 403);
});

t.test('a draft in the queue has no revision', async (t) => {
  const { app, lib } = await teacherSetup(t);
  const draft = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance`, headers: admin, payload: { scenario: 'Gift cards', guidance: 'Not refundable.', status: 'draft' } });
  t.equal(draft.statusCode, 201);
  t.match((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/review-queue`, headers: admin })).json().items, [{ kind: 'draft', revision_id: null }]);
});
