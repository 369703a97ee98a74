import t from 'tap';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';

const customer = (text: string) => [
  { role: 'assistant' as const, content: 'Hello, how can I help you today?' },
  { role: 'user' as const, content: text },
];
const REFUND = 'I bought a jacket 45 days ago and want to return it for my money back';
const PASSWORD = 'I forgot my password and now I am locked out of my account';
const SHIPPING = 'please ship my order to a different delivery address';

t.test('releases and replay: replay between two releases reports exactly the planted differences; rollback brings a release back', async (t) => {
  const { app, db } = await testApp(t);
  const lib = await createLibrary(app);
  const base = `/v1/libraries/${lib.id}`;
  const [refund, password, shipping] = (await importEntries(app, lib.id, SAMPLE_ENTRIES)).ids as [string, string, string];
  const post = (url: string, payload: object, headers = admin) => app.inject({ method: 'POST', url: `${base}${url}`, headers, payload });

  const a = await post('/releases', { name: 'A', description: 'before the changes' });
  t.equal(a.statusCode, 201, a.body);
  t.match(a.json(), { name: 'A', entries: 3, library_id: lib.id });
  t.equal((await post('/releases', { name: 'A' })).statusCode, 409, 'names are unique in a library');

  // The planted differences: the refund entry gets a new version, the password entry is retired for a new one.
  const edited = await app.inject({
    method: 'PATCH',
    url: `${base}/guidance/${refund}`,
    headers: admin,
    payload: { guidance: 'Check the delivery date. Past 30 days offer store credit, never a refund.', reason: 'clearer' },
  });
  t.equal(edited.statusCode, 200, edited.body);
  t.equal((await app.inject({ method: 'DELETE', url: `${base}/guidance/${password}`, headers: admin })).statusCode, 200);
  const [sms] = (
    await importEntries(app, lib.id, [
      {
        scenario: 'Customer forgot the password and is locked out of the account',
        guidance: 'Send a reset code by SMS after verifying the phone number on file.',
        examples: ['I forgot my password', 'locked out of my account'],
      },
    ])
  ).ids as [string];
  const b = (await post('/releases', { name: 'B' })).json();
  t.equal(b.entries, 3);

  for (const [conversation_id, text] of [['refund', REFUND], ['password', PASSWORD], ['shipping', SHIPPING]]) {
    const res = await post('/compose', { messages: customer(text!), conversation_id, k: 1 });
    t.equal(res.statusCode, 200, res.body);
  }
  const lost = await post('/compose', { messages: customer(SHIPPING), conversation_id: 'forgotten', k: 1 });
  await db.query('UPDATE chat_traces SET messages = NULL WHERE id = $1', [lost.json().trace_id]);

  const replay = await post('/replay', { a: a.json().id, b: b.id, k: 1 });
  t.equal(replay.statusCode, 200, replay.body);
  const report = replay.json();
  t.match(report, { turns: 3, changed_turns: 2, changed_conversations: 2, turns_without_messages: 1, k: 1 });
  const turn = (id: string) => report.conversations.find((c: { conversation_id: string }) => c.conversation_id === id).turns[0];
  t.match(turn('refund'), { a: [{ entry_id: refund, version: 1 }], b: [{ entry_id: refund, version: 2 }], added: [], removed: [], changed_version: [{ entry_id: refund, a_version: 1, b_version: 2 }], changed: true });
  t.match(turn('password'), { a: [{ entry_id: password, version: 1 }], b: [{ entry_id: sms, version: 1 }], added: [{ entry_id: sms }], removed: [{ entry_id: password }], changed_version: [], changed: true });
  t.match(turn('shipping'), { a: [{ entry_id: shipping, version: 1 }], b: [{ entry_id: shipping, version: 1 }], added: [], removed: [], changed_version: [], changed: false });
  t.same(
    report.by_entry,
    [
      { entry_id: refund, added: 0, removed: 0, changed_version: 1 },
      { entry_id: password, added: 0, removed: 1, changed_version: 0 },
      { entry_id: sms, added: 1, removed: 0, changed_version: 0 },
    ].sort((x, y) => (x.entry_id < y.entry_id ? -1 : 1)),
    'in aggregate: exactly the planted differences',
  );
  const same = (await post('/replay', { a: b.id, b: 'current', k: 1 })).json();
  t.same([same.turns, same.changed_turns, same.by_entry], [3, 0, []], 'release B is the current set');

  // A draft better fitting the shipping conversation shows up under "drafts" only.
  const [draft] = (
    await importEntries(app, lib.id, [
      { scenario: 'Customer asks to ship the order to a different delivery address', guidance: 'Confirm the new address twice.', examples: [SHIPPING], status: 'draft' },
    ])
  ).ids as [string];
  const drafts = (await post('/replay', { a: 'current', b: 'drafts', k: 1 })).json();
  t.same(drafts.by_entry, [{ entry_id: draft, added: 1, removed: 0, changed_version: 0 }, { entry_id: shipping, added: 0, removed: 1, changed_version: 0 }].sort((x, y) => (x.entry_id < y.entry_id ? -1 : 1)));
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  t.equal((await post('/replay', { a: 'current', b: 'drafts' }, bearer(student.key))).statusCode, 403);
  t.equal((await post('/replay', { a: lib.id, b: 'drafts' })).statusCode, 404, 'not a release of this library');
  const bad = await post('/replay', { a: 'latest', b: 'drafts' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().error.message, 'body.a');

  const listed = await app.inject({ method: 'GET', url: `${base}/releases`, headers: bearer(student.key) });
  t.same(listed.json().items.map((r: { name: string }) => r.name), ['B', 'A'], 'newest first');
  const detail = await app.inject({ method: 'GET', url: `${base}/releases/${a.json().id}`, headers: admin });
  t.same(detail.json().items, [{ entry_id: refund, version: 1 }, { entry_id: password, version: 1 }, { entry_id: shipping, version: 1 }].sort((x, y) => (x.entry_id < y.entry_id ? -1 : 1)));

  const rollback = await post(`/releases/${a.json().id}/rollback`, { reason: 'B raised violations' });
  t.equal(rollback.statusCode, 200, rollback.body);
  t.same(rollback.json().restored.map((r: { entry_id: string }) => r.entry_id).sort(), [refund, password].sort());
  t.same(rollback.json().retired, [sms]);
  t.same(rollback.json().unchanged, [shipping]);
  const entry = async (id: string) => (await app.inject({ method: 'GET', url: `${base}/guidance/${id}`, headers: admin })).json();
  t.match(await entry(refund), { status: 'approved', version: 3, guidance: SAMPLE_ENTRIES[0]!.guidance });
  t.match(await entry(password), { status: 'approved' });
  t.match(await entry(sms), { status: 'retired' });
  t.match(await entry(draft), { status: 'draft' }, 'drafts are left alone');
  const again = (await post(`/releases/${a.json().id}/rollback`, {})).json();
  t.same([again.restored, again.retired, again.unchanged.length], [[], [], 3], 'rolling back twice changes nothing more');
  t.match(await entry(refund), { version: 3 });
});
