import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { admin, testApp } from './helpers/app.js';
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

// One app and database for the file: importing thousands of entries once keeps it quick.
const { app } = await testApp(t);
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
