import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { waitFor } from './helpers/wait-for.js';

const conversation = (customer: string) => [
  { role: 'assistant', content: 'Hello, how can I help you today?' },
  { role: 'user', content: customer },
];

t.test('retrieve finds the entry for the conversation state and explains its score', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const cases: [string, number][] = [
    ['I bought a jacket 45 days ago and want to return it for my money back', 0],
    ['I forgot my password and now I am locked out', 1],
    ['please send my package to my new address instead', 2],
  ];
  for (const [customer, expected] of cases) {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation(customer), k: 3 } });
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.equal(body.results[0].id, ids[expected], `top result for "${customer}"`);
    const top = body.results[0];
    t.match(top, { external_id: SAMPLE_ENTRIES[expected]!.external_id, version: 1, status: 'approved' });
    const e = top.explanation;
    t.ok(e.vector_score > 0 && e.vector_score <= 1);
    t.ok(Math.abs(top.score - (e.vector_weight * e.vector_score + e.text_weight * e.text_rank_normalised)) < 1e-9, 'score is the sum of its explained parts');
    t.ok(body.results.every((r: { score: number }, i: number) => i === 0 || r.score <= body.results[i - 1].score), 'sorted by score');
    t.match(body.query, /customer:/);
    t.notMatch(body.query, /how can I help/, 'greetings do not shape the query');
  }
});

t.test('every customer turn counts alike: the problem stated first is not outweighed by the details given after it', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const retrieve = async (messages: object[]) =>
    (await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages, k: 3 } })).json().results.map((r: { id: string }) => r.id);
  const stated = [{ role: 'user', content: 'I forgot my password and cannot sign in' }];
  const detailed = [
    ...stated,
    { role: 'assistant', content: 'Sure, what is the email address and the phone number on the account?' },
    { role: 'user', content: 'jane@example.com, my phone changed though, I moved to a new address last month' },
  ];
  t.equal((await retrieve(stated))[0], ids[1]);
  t.equal((await retrieve(detailed))[0], ids[1], 'a later turn of details that happens to mention an address does not take over');
  const twoTopics = [...stated, { role: 'assistant', content: 'Done, you can log in now.' }, { role: 'user', content: 'Also, I want to change the delivery address of my order' }];
  t.same((await retrieve(twoTopics)).slice(0, 2).sort(), [ids[1], ids[2]].sort(), 'a second request joins the first at the top');
});

t.test('min_score, k, status and tag filters shape the results', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const entries = [...SAMPLE_ENTRIES, { external_id: 'refund-draft', scenario: 'Customer wants a refund for a late return', guidance: 'Draft advice.', status: 'draft', tags: ['refunds'] }];
  const { ids } = await importEntries(app, lib.id, entries);
  const retrieve = async (body: Record<string, unknown>) =>
    (await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation('I want a refund, I returned it late'), ...body } })).json();

  const approvedOnly = await retrieve({ k: 10 });
  t.notOk(approvedOnly.results.some((r: { id: string }) => r.id === ids[3]), 'drafts are not retrieved by default');
  const withDrafts = await retrieve({ k: 10, include_drafts: true });
  t.ok(withDrafts.results.some((r: { id: string; status: string }) => r.id === ids[3] && r.status === 'draft'));

  t.equal((await retrieve({ k: 1 })).results.length, 1);
  const all = await retrieve({ k: 10 });
  const threshold = (all.results[0].score + all.results[all.results.length - 1].score) / 2;
  const high = await retrieve({ k: 10, min_score: threshold });
  t.ok(high.results.length >= 1 && high.results.length < all.results.length);
  t.ok(high.results.every((r: { score: number }) => r.score >= threshold));

  const tagged = await retrieve({ k: 10, filters: { tags: ['account'] } });
  t.same(tagged.results.map((r: { id: string }) => r.id), [ids[1]]);
  const anyTag = await retrieve({ k: 10, filters: { any_tags: ['account', 'shipping'] } });
  t.same(anyTag.results.map((r: { id: string }) => r.id).sort(), [ids[1], ids[2]].sort());

  await app.inject({ method: 'DELETE', url: `/v1/libraries/${lib.id}/guidance/${ids[0]}`, headers: admin });
  const afterRetire = await retrieve({ k: 10, include_drafts: true });
  t.notOk(afterRetire.results.some((r: { id: string }) => r.id === ids[0]), 'retired entries are never retrieved');
});

t.test('entries the query is unlike all score 0, and still come back in the same order in every library holding them: by similarity', async (t) => {
  const { app } = await testApp(t);
  const unrelated = ['gift wrapping', 'loyalty points', 'store opening hours', 'newsletter subscription', 'warranty claims', 'price matching'].map((topic, i) => ({
    external_id: `unrelated-${i}`,
    scenario: `Customer asks about ${topic}`,
    guidance: `Answer the question about ${topic} from the help centre.`,
  }));
  const orderIn = async () => {
    const lib = await createLibrary(app);
    await importEntries(app, lib.id, [...SAMPLE_ENTRIES, ...unrelated]);
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation('I want my money back for a jacket I bought 45 days ago'), k: 9 } });
    return res.json().results as { external_id: string; score: number; explanation: { best_similarity: number | null } }[];
  };
  const first = await orderIn();
  t.equal(first[0]!.external_id, 'refund-late');
  const zeros = first.filter((r) => r.score === 0);
  t.ok(zeros.length >= 2, 'several entries tie at 0');
  const similarities = zeros.map((r) => r.explanation.best_similarity ?? -Infinity);
  t.same(similarities, [...similarities].sort((a, b) => b - a), 'ties at 0 are ordered by their similarity');
  for (let i = 0; i < 3; i++) t.same((await orderIn()).map((r) => r.external_id), first.map((r) => r.external_id), 'the same order in another library');
});

t.test('retrieval never crosses libraries, and a scoped key cannot reach another library', async (t) => {
  const { app } = await testApp(t);
  const a = await createLibrary(app);
  const b = await createLibrary(app);
  await importEntries(app, a.id, SAMPLE_ENTRIES);
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${b.id}/retrieve`, headers: admin, payload: { messages: conversation('I forgot my password'), k: 5 } });
  t.equal(res.statusCode, 200);
  t.same(res.json().results, []);
  const student = await createKey(app, { role: 'student', library_ids: [b.id] });
  const denied = await app.inject({ method: 'POST', url: `/v1/libraries/${a.id}/retrieve`, headers: bearer(student.key), payload: { messages: conversation('password'), k: 5 } });
  t.equal(denied.statusCode, 404);
});

t.test('invalid retrieve bodies get 400 naming the field; unknown library 404', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const url = `/v1/libraries/${lib.id}/retrieve`;
  const cases: [unknown, RegExp][] = [
    [{ messages: [] }, /body\.messages/],
    [{ messages: 'hello' }, /body\.messages/],
    [{ messages: [{ role: 'customer', content: 'hi' }] }, /body\.messages\.0\.role/],
    [{ messages: [{ role: 'user', content: 5 }] }, /body\.messages\.0\.content/],
    [{ messages: conversation('x'), k: 0 }, /body\.k/],
    [{ messages: conversation('x'), k: 51 }, /body\.k/],
    [{ messages: conversation('x'), k: '3' }, /body\.k/],
    [{ messages: conversation('x'), min_score: 2 }, /body\.min_score/],
    [{ messages: conversation('x'), filters: { tag: ['a'] } }, /body\.filters/],
  ];
  for (const [payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url, headers: admin, payload: payload as object });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(res.json().error.code, 'validation_error');
    t.match(res.json().error.message, field);
  }
  const unknown = await app.inject({
    method: 'POST',
    url: '/v1/libraries/00000000-0000-4000-8000-000000000000/retrieve',
    headers: admin,
    payload: { messages: conversation('x') },
  });
  t.equal(unknown.statusCode, 404);
});

t.test('fresh writes are searchable at once and stay so after the indexer moves them into HNSW', async (t) => {
  const { app, db } = await testApp(t);
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const ask = async () =>
    (await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation('I forgot my password'), k: 3 } })).json();
  const before = await ask();
  t.equal(before.results[0].id, ids[1]);

  const counts = async () =>
    (await db.query<{ pending: number; indexed: number }>(
      'SELECT (SELECT count(*)::int FROM guidance_chunks_pending) AS pending, (SELECT count(*)::int FROM guidance_chunks) AS indexed',
    ))[0]!;
  // The scenario, which near-duplicate checks compare, and the centroid, which retrieval searches.
  const total = 2 * SAMPLE_ENTRIES.length;
  await waitFor(async () => (await counts()).pending === 0, { timeout: 30_000, interval: 100, message: 'the indexer left chunks pending' });
  t.same(await counts(), { pending: 0, indexed: total }, 'every chunk moved exactly once');
  const after = await ask();
  t.same(after.results.map((r: { id: string }) => r.id), before.results.map((r: { id: string }) => r.id));

  await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${ids[1]}`, headers: admin, payload: { examples: ['reset my password please'] } });
  const edited = await counts();
  t.equal(edited.pending + edited.indexed, total, 'an edit replaces the entry chunks in both tables');
  t.equal(edited.pending, 2, "the edited entry's new chunks wait for the indexer");
});

t.test('the text rank is BM25: a short entry about the query word outranks a long one that mentions it in passing; entries without examples lean on it more', async (t) => {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  const filler = 'Be courteous, confirm the account holder, summarise the request, note it in the case log and close politely. ';
  const { ids } = await importEntries(app, lib.id, [
    { external_id: 'short', scenario: 'Voucher question', guidance: 'Vouchers: check the voucher expiry; an expired voucher can be reissued once.' },
    { external_id: 'long', scenario: 'General account servicing', guidance: `${filler.repeat(6)}Mention that vouchers exist.` },
    { external_id: 'with-examples', scenario: 'Parcel tracking', guidance: 'Give the tracking link.', examples: ['where is my parcel', 'my parcel has not arrived'] },
    ...['alpha', 'beta', 'gamma'].map((name) => ({ external_id: name, scenario: `Unrelated ${name} topic`, guidance: `Handle the ${name} case.` })),
  ]);
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation('my voucher does not work'), k: 6 } });
  const results = res.json().results as { id: string; explanation: { text_rank: number; text_weight: number } }[];
  const rank = (id: string) => results.find((r) => r.id === id)!.explanation;
  t.ok(rank(ids[0]!).text_rank > rank(ids[1]!).text_rank, 'term frequency and length normalisation favour the short entry about vouchers');
  t.equal(rank(ids[0]!).text_weight, 0.4, 'an entry without examples: the text rank is 0.4 of its score');
  const parcel = (await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages: conversation('my parcel is late'), k: 6 } })).json();
  t.equal(parcel.results[0].id, ids[2]);
  t.equal(parcel.results[0].explanation.text_weight, 0.2, 'an entry with examples: 0.2');
});
