import type { FastifyInstance } from 'fastify';
import t from 'tap';
import type { Db, Queryable } from '../src/db/db.js';
import { admin, testApp } from './helpers/app.js';
import { openTestDb } from './helpers/db.js';
import { createLibrary, importEntries } from './helpers/library.js';

// Enough entries that seq crosses 100 and 1,000, and that an export reads more than one page.
const SIZE = 2_500;

interface Entry {
  external_id: string;
  scenario: string;
  guidance: string;
  examples: string[];
  tags: string[];
  policy_refs: string[];
  status: 'draft' | 'approved' | 'retired';
}

const entry = (i: number): Entry => ({
  external_id: `e${i}`,
  scenario: `Customer case ${i} about ${i % 3 === 0 ? 'refunds' : 'shipping'}`,
  guidance: `Handle case ${i} step by step.`,
  examples: [`example ${i}`],
  tags: i % 3 === 0 ? ['refunds'] : ['shipping'],
  policy_refs: i % 7 === 0 ? ['Refunds within 30 days of delivery.'] : [],
  status: i % 10 === 0 ? 'draft' : 'approved',
});

const entries = (n: number) => Array.from({ length: n }, (_, i) => entry(i));
const ids = (list: { external_id: string }[]) => list.map((e) => e.external_id);
const content = ({ external_id, scenario, guidance, examples, tags, policy_refs, status }: Entry): Entry => ({
  external_id, scenario, guidance, examples, tags, policy_refs, status,
});

async function listAll(app: FastifyInstance, libraryId: string, query: string): Promise<Entry[]> {
  const seen: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/guidance?${query}${cursor ? `&cursor=${cursor}` : ''}`, headers: admin });
    if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`);
    const page: { items: Entry[]; next_cursor: string | null } = res.json();
    seen.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return seen;
}

async function exportAll(app: FastifyInstance, libraryId: string, query = ''): Promise<{ body: string; type: string; entries: Entry[] }> {
  const res = await app.inject({ method: 'GET', url: `/v1/libraries/${libraryId}/guidance/export${query}`, headers: admin });
  if (res.statusCode !== 200) throw new Error(`export failed: ${res.statusCode} ${res.body}`);
  const entries = res.body.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
  return { body: res.body, type: String(res.headers['content-type']), entries };
}

let afterNextEntryRead: (() => Promise<void>) | undefined;

/** The test database, where `afterNextEntryRead` runs once between a read of entries and its caller. */
function interceptable(db: Db): Db {
  const wrap = (q: Queryable): Queryable => ({
    exec: (sql) => q.exec(sql),
    async query<T>(sql: string, params?: readonly unknown[]) {
      const rows = await q.query<T>(sql, params);
      const hook = afterNextEntryRead;
      if (hook !== undefined && /FROM guidance_entries/.test(sql) && rows.length > 0) {
        afterNextEntryRead = undefined;
        await hook();
      }
      return rows;
    },
  });
  const outside = wrap(db);
  return { kind: db.kind, query: outside.query, exec: outside.exec, transaction: (fn) => db.transaction((tx) => fn(wrap(tx))), close: () => db.close() };
}

// One app and database for the file: importing thousands of entries once keeps it quick.
const { app } = await testApp(t, { db: interceptable(await openTestDb(t)) });
// Imported first, so that its seqs are 1 to 25 and cross from 9 to 10.
const small = await createLibrary(app);
await importEntries(app, small.id, entries(25));
const large = await createLibrary(app);
await importEntries(app, large.id, entries(SIZE));

t.test('paging returns every entry exactly once, in order, past seq 9, 99 and 999', async (t) => {
  t.same(ids(await listAll(app, small.id, 'limit=10')), ids(entries(25)), '25 entries in pages of 10');
  t.same(ids(await listAll(app, large.id, 'limit=100')), ids(entries(SIZE)), `${SIZE} entries in pages of 100`);
  const refundDrafts = entries(SIZE).filter((e) => e.status === 'draft' && e.tags.includes('refunds'));
  t.same(ids(await listAll(app, large.id, 'limit=7&status=draft&tags=refunds')), ids(refundDrafts), 'filtered pages too');
});

t.test('an export holds every entry once and re-imports into an empty library as the same entries', async (t) => {
  const exported = await exportAll(app, large.id);
  t.equal(exported.entries.length, SIZE, 'one line per entry');
  t.same(exported.entries.map(content), entries(SIZE), 'every entry once, in order, with its content');
  const copy = await createLibrary(app);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${copy.id}/guidance/import`,
    headers: { ...admin, 'content-type': 'application/x-ndjson' },
    payload: exported.body,
  });
  t.equal(res.statusCode, 200, 'the export re-imports');
  t.match(res.json(), { created: SIZE, updated: 0, unchanged: 0 });
  t.same((await exportAll(app, copy.id)).entries.map(content), entries(SIZE), 'the copy holds the same entries');
});

t.test('the export is documented with the content type it is served as, application/x-ndjson', async (t) => {
  const { type } = await exportAll(app, small.id);
  t.match(type, /^application\/x-ndjson\b/);
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  t.same(Object.keys(spec.paths['/v1/libraries/{id}/guidance/export'].get.responses['200'].content), ['application/x-ndjson']);
});

t.test('an export takes the same filters as the list', async (t) => {
  for (const query of ['status=draft', 'tags=refunds', 'status=draft,retired&tags=refunds', 'q=refunds', 'tags=nothing']) {
    const listed = await listAll(app, large.id, `limit=500&${query}`);
    t.same(ids((await exportAll(app, large.id, `?${query}`)).entries), ids(listed), query);
  }
  t.equal((await exportAll(app, large.id, '?status=draft')).entries.length, SIZE / 10);
  const bad = await app.inject({ method: 'GET', url: `/v1/libraries/${large.id}/guidance/export?status=gone`, headers: admin });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, /query\.status/);
});

const forged = (text: string) => Buffer.from(text).toString('base64url');

t.test('a malformed cursor is refused with 400 naming query.cursor', async (t) => {
  const issued: string = (await app.inject({ method: 'GET', url: `/v1/libraries/${small.id}/guidance?limit=10`, headers: admin })).json().next_cursor;
  const malformed = {
    'not base64': '*-*',
    empty: '',
    'cut off': issued.slice(0, -1),
    'with junk appended': `${issued}!`,
    'not a number': forged('s:ten'),
    negative: forged('s:-1'),
    'beyond bigint': forged('s:9223372036854775808'),
    'far beyond bigint': forged(`s:${'9'.repeat(40)}`),
  };
  for (const [what, cursor] of Object.entries(malformed)) {
    const res = await app.inject({ method: 'GET', url: `/v1/libraries/${small.id}/guidance?cursor=${encodeURIComponent(cursor)}`, headers: admin });
    t.equal(res.statusCode, 400, what);
    t.match(res.json().error, { code: 'validation_error', message: /query\.cursor/, details: [{ field: 'query.cursor' }] }, what);
  }
  const last = await app.inject({ method: 'GET', url: `/v1/libraries/${small.id}/guidance?cursor=${forged('s:9223372036854775807')}`, headers: admin });
  t.same(last.json(), { items: [], next_cursor: null }, 'the largest seq is a cursor past every entry');
});

// Last, as it edits the large library.
t.test('an export is one snapshot: an import committed while it is read does not show in it', async (t) => {
  const first = entry(0);
  const last = entry(SIZE - 1);
  const edited = [first, last].map((e) => ({ ...e, guidance: `${e.guidance} Edited.` }));
  afterNextEntryRead = async () => void (await importEntries(app, large.id, edited));
  const during = (await exportAll(app, large.id)).entries;
  t.equal(afterNextEntryRead, undefined, 'the import ran while the export was being read');
  t.same([during[0]!.guidance, during[SIZE - 1]!.guidance], [first.guidance, last.guidance], 'neither edit is in the export');
  const after = (await exportAll(app, large.id)).entries;
  t.same([after[0]!.guidance, after[SIZE - 1]!.guidance], edited.map((e) => e.guidance), 'both are in the next one');
});
