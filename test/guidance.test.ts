import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

t.test('import is idempotent by external_id and versions only changed content', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const first = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  t.match(first, { created: 3, updated: 0, unchanged: 0 });
  const again = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  t.match(again, { created: 0, updated: 0, unchanged: 3 });
  t.same(again.ids, first.ids, 'the same entries are matched');

  const changed = SAMPLE_ENTRIES.map((e, i) => (i === 0 ? { ...e, guidance: e.guidance + ' Offer to escalate politely.' } : e));
  const third = await importEntries(app, lib.id, changed);
  t.match(third, { created: 0, updated: 1, unchanged: 2 });
  const entry = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${first.ids[0]}`, headers: admin })).json();
  t.equal(entry.version, 2);
  t.match(entry.guidance, /escalate/);
  t.equal(entry.status, 'approved', 'imported entries default to approved');
  t.equal(entry.provenance.source, 'api');

  const list = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance`, headers: admin })).json();
  t.equal(list.items.length, 3, 'no copies piled up');
});

t.test('import is atomic: one invalid item rejects the whole request and names it', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const bad = [...SAMPLE_ENTRIES, { external_id: 'x', scenario: 'only a scenario' }];
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: bad });
  t.equal(res.statusCode, 400);
  t.match(res.json().error.message, /body\.3\.guidance/);
  const dup = [SAMPLE_ENTRIES[0], SAMPLE_ENTRIES[0]];
  const dupRes = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: dup });
  t.equal(dupRes.statusCode, 400);
  t.match(dupRes.json().error.message, /external_id/);
  const list = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance`, headers: admin })).json();
  t.equal(list.items.length, 0, 'nothing from the rejected requests was written');
  const empty = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: [] });
  t.equal(empty.statusCode, 400);
  const wrongType = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: [{ scenario: 's', guidance: 'g', tags: 'refunds' }] });
  t.equal(wrongType.statusCode, 400);
  t.match(wrongType.json().error.message, /body\.0\.tags/);
});

t.test('JSONL import and export round-trip to the same library unchanged', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const jsonl = SAMPLE_ENTRIES.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/import`,
    headers: { ...admin, 'content-type': 'application/x-ndjson' },
    payload: jsonl,
  });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { created: 3 });
  // One entry without external_id: the export's id must still match it on re-import.
  await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance`, headers: admin, payload: { scenario: 'Customer is angry about a late delivery', guidance: 'Apologise first.' } });

  const exported = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/export`, headers: admin });
  t.equal(exported.statusCode, 200);
  t.match(exported.headers['content-type'], /application\/x-ndjson/);
  const lines = exported.body.trim().split('\n');
  t.equal(lines.length, 4);
  const reimport = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/import`,
    headers: { ...admin, 'content-type': 'application/x-ndjson' },
    payload: exported.body,
  });
  t.match(reimport.json(), { created: 0, updated: 0, unchanged: 4 });

  const broken = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/import`,
    headers: { ...admin, 'content-type': 'application/x-ndjson' },
    payload: '{"scenario":"a","guidance":"b"}\n{not json}\n',
  });
  t.equal(broken.statusCode, 400);
  t.match(broken.json().error.message, /line 2/);
});

t.test('edits create versions; history records who and why; restore brings a version back', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const reviewer = await createKey(app, { role: 'teacher', name: 'reviewer' });
  const created = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance`,
    headers: admin,
    payload: { scenario: 'Customer wants to cancel a subscription', guidance: 'Confirm the account, then cancel.', status: 'draft' },
  });
  t.equal(created.statusCode, 201);
  const id = created.json().entry.id;
  const url = `/v1/libraries/${lib.id}/guidance/${id}`;

  const edit = await app.inject({ method: 'PATCH', url, headers: admin, payload: { guidance: 'Confirm the account, offer a pause, then cancel.' } });
  t.equal(edit.json().entry.version, 2);
  const approve = await app.inject({ method: 'PATCH', url, headers: bearer(reviewer.key), payload: { status: 'approved', reason: 'matches policy' } });
  t.equal(approve.json().entry.status, 'approved');
  t.equal(approve.json().entry.version, 3);
  const stale = await app.inject({ method: 'PATCH', url, headers: admin, payload: { guidance: 'x', expected_version: 1 } });
  t.equal(stale.statusCode, 409);
  const noop = await app.inject({ method: 'PATCH', url, headers: admin, payload: { status: 'approved' } });
  t.equal(noop.json().entry.version, 3, 'a change that alters nothing makes no version');

  const history = (await app.inject({ method: 'GET', url: `${url}/history`, headers: admin })).json().items;
  t.same(history.map((v: { version: number }) => v.version), [3, 2, 1]);
  t.match(history[0], { change: 'status', status: 'approved', reason: 'matches policy', changed_by: reviewer.id });
  t.match(history[1], { change: 'update', guidance: /offer a pause/ });
  t.match(history[2], { change: 'create', status: 'draft', guidance: 'Confirm the account, then cancel.' });

  const restored = await app.inject({ method: 'POST', url: `${url}/restore`, headers: admin, payload: { version: 1, reason: 'pause offer confused customers' } });
  t.equal(restored.statusCode, 200);
  t.match(restored.json(), { version: 4, guidance: 'Confirm the account, then cancel.', status: 'draft' });
  const after = (await app.inject({ method: 'GET', url: `${url}/history`, headers: admin })).json().items;
  t.match(after[0], { version: 4, change: 'restore', reason: 'pause offer confused customers' });
  t.equal((await app.inject({ method: 'POST', url: `${url}/restore`, headers: admin, payload: { version: 99 } })).statusCode, 404);

  const retired = await app.inject({ method: 'DELETE', url: `${url}?reason=obsolete`, headers: admin });
  t.equal(retired.json().entry.status, 'retired');
  t.equal((await app.inject({ method: 'GET', url, headers: admin })).json().status, 'retired', 'retiring keeps the entry and its history');
});

t.test('listing filters by status, tags and text, and pages with a cursor', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const entries = Array.from({ length: 7 }, (_, i) => ({
    external_id: `e${i}`,
    scenario: i % 2 === 0 ? `Customer asks about refund case ${i}` : `Customer asks about shipping case ${i}`,
    guidance: 'Do the right thing.',
    tags: i % 2 === 0 ? ['refunds'] : ['shipping'],
    status: i === 6 ? 'draft' : 'approved',
  }));
  await importEntries(app, lib.id, entries);
  const get = async (qs: string) => (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance?${qs}`, headers: admin })).json();

  const drafts = await get('status=draft');
  t.same(drafts.items.map((e: { external_id: string }) => e.external_id), ['e6']);
  const refunds = await get('tags=refunds&status=approved');
  t.same(refunds.items.map((e: { external_id: string }) => e.external_id), ['e0', 'e2', 'e4']);
  const text = await get('q=shipping');
  t.same(text.items.map((e: { external_id: string }) => e.external_id), ['e1', 'e3', 'e5']);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { external_id: string }[]; next_cursor: string | null } = await get(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    t.ok(page.items.length <= 3);
    seen.push(...page.items.map((e) => e.external_id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  t.same(seen, ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'], 'pages cover every entry once, in order');

  const badLimit = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance?limit=0`, headers: admin });
  t.equal(badLimit.statusCode, 400);
  t.match(badLimit.json().error.message, /query\.limit/);
  const badStatus = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance?status=gone`, headers: admin });
  t.equal(badStatus.statusCode, 400);
  const badCursor = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance?cursor=zzz`, headers: admin });
  t.equal(badCursor.statusCode, 400);
  t.match(badCursor.json().error.message, /cursor/);
});

t.test('a near-duplicate write reports the existing entry', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const near = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance`,
    headers: admin,
    payload: { scenario: 'The customer asks for a refund after the 30-day return window has passed', guidance: 'Offer store credit.' },
  });
  t.equal(near.statusCode, 201);
  const dups = near.json().near_duplicates;
  t.equal(dups.length, 1);
  t.match(dups[0], { id: ids[0], external_id: 'refund-late' });
  t.ok(dups[0].similarity >= 0.92 && dups[0].similarity <= 1);

  const distinct = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance`,
    headers: admin,
    payload: { scenario: 'Customer reports a damaged item on arrival', guidance: 'Ask for a photo.' },
  });
  t.same(distinct.json().near_duplicates, [], 'a different scenario is not flagged');

  const other = await createLibrary(app);
  const elsewhere = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${other.id}/guidance`,
    headers: admin,
    payload: { scenario: 'Customer asks for a refund after the 30-day return window has passed', guidance: 'x' },
  });
  t.same(elsewhere.json().near_duplicates, [], 'other libraries are not searched');
});
