import t from 'tap';
import { MAX_ALWAYS_ON } from '../src/library/selection-rules.js';
import { NO_RULES, type SelectionRules } from '../src/library/types.js';
import { PRIORITY_STEP, selectEntries } from '../src/retrieval/selection.js';
import { admin, bearer, createKey, testApp } from './helpers/app.js';
import { refundConversation } from './helpers/chat.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { call, cancelRequest, ORDER_TOOLS } from './helpers/tools.js';

interface Result {
  id: string;
  score: number;
  always_on: boolean;
  explanation: { selection: { always_on: boolean; priority: number; relevance: number; priority_bonus: number; required_by: string | null; needs: string[] } };
}
interface Retrieved {
  results: Result[];
  set_aside: { id: string; reason: string; by: string[]; detail: string }[];
}

const { app } = await testApp(t);

async function retrieve(lib: string, body: Record<string, unknown>): Promise<Retrieved> {
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib}/retrieve`, headers: admin, payload: { messages: refundConversation.slice(1), ...body } });
  if (res.statusCode !== 200) throw new Error(`retrieve: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function compose(lib: string, body: Record<string, unknown>, headers = admin): Promise<{ guidance: { id: string }[]; messages: { content: string }[] }> {
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib}/compose`, headers, payload: body });
  if (res.statusCode !== 200) throw new Error(`compose: ${res.statusCode} ${res.body}`);
  return res.json();
}

const write = (lib: string, payload: object) => app.inject({ method: 'POST', url: `/v1/libraries/${lib}/guidance`, headers: admin, payload });
const patch = (lib: string, id: string, payload: object) => app.inject({ method: 'PATCH', url: `/v1/libraries/${lib}/guidance/${id}`, headers: admin, payload });

const CORE = {
  external_id: 'core-confidential',
  scenario: 'Every conversation with a customer',
  guidance: 'Never share internal ticket numbers; close by asking whether anything else is needed.',
  always_on: true,
};

/** Two entries that match any refund conversation exactly alike. */
const TWINS = ['twin-a', 'twin-b'].map((external_id) => ({
  external_id,
  scenario: 'Customer wants money back for a jacket bought 45 days ago',
  guidance: 'Explain the 30-day window and offer store credit.',
}));

t.test('an always-on entry is in every composed prompt, even an unrelated one, ahead of the retrieved entries and outside k', async (t) => {
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, [...SAMPLE_ENTRIES, CORE]);
  const core = ids[3]!;
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const password = [{ role: 'user', content: 'I forgot my password and cannot sign in' }];
  for (const messages of [refundConversation, password]) {
    const composed = await compose(lib.id, { messages, k: 1 }, bearer(student.key));
    t.equal(composed.guidance.length, 2, 'the core, and k = 1 retrieved entry beside it');
    t.ok(composed.guidance.some((g) => g.id === core), 'the core is in the prompt');
    t.match(composed.messages[0]!.content, /Never share internal ticket numbers/);
  }
  const nothingRelevant = await compose(lib.id, { messages: refundConversation, min_score: 1 });
  t.same(nothingRelevant.guidance.map((g) => g.id), [core], 'no retrieved entry reaches min_score 1; the core is there regardless');

  const found = await retrieve(lib.id, { k: 1 });
  t.equal(found.results[0]!.id, core, 'first in /retrieve');
  t.match(found.results[0]!.explanation.selection, { always_on: true });
  t.equal(found.results[1]!.id, ids[0], 'then the best match');
  t.equal(found.results[1]!.explanation.selection.always_on, false);
});

t.test(`a library keeps at most ${MAX_ALWAYS_ON} always-on entries; an always-on entry requires nothing`, async (t) => {
  const lib = await createLibrary(app);
  const cores = Array.from({ length: MAX_ALWAYS_ON }, (_, i) => ({ ...CORE, external_id: `core-${i}`, guidance: `${CORE.guidance} (${i})` }));
  const { ids } = await importEntries(app, lib.id, cores);
  const extra = await write(lib.id, { ...CORE, external_id: 'one-too-many' });
  t.equal(extra.statusCode, 400);
  t.match(extra.json().error.message, /^body\.always_on would make more than 5 always-on entries/);
  const tooManyAtOnce = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: admin, payload: [{ ...CORE, external_id: 'x' }] });
  t.match(tooManyAtOnce.json().error.message, /^body\.0\.always_on/);
  const retired = await app.inject({ method: 'DELETE', url: `/v1/libraries/${lib.id}/guidance/${ids[0]}`, headers: admin });
  t.equal(retired.statusCode, 200);
  t.equal((await write(lib.id, { ...CORE, external_id: 'in-its-place' })).statusCode, 201, 'a retired one does not count');

  const withRequires = await write(lib.id, { ...CORE, external_id: 'core-requiring', always_on: true, requires: ['core-1'] });
  t.equal(withRequires.statusCode, 400);
  t.match(withRequires.json().error.message, /^body\.requires must be empty on an always_on entry/);
});

t.test('priority decides between two equally matching entries, as a bonus of 0.05 per unit after min_score', async (t) => {
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, TWINS);
  const before = await retrieve(lib.id, { k: 2 });
  t.equal(before.results[0]!.explanation.selection.relevance, before.results[1]!.explanation.selection.relevance, 'the twins match alike');
  const [first, second] = before.results.map((r) => r.id);
  t.same([first, second].sort(), [...ids].sort());

  t.equal((await patch(lib.id, second!, { priority: 2 })).statusCode, 200);
  const after = await retrieve(lib.id, { k: 1 });
  t.same(after.results.map((r) => r.id), [second], 'the higher priority takes the one slot');
  const { selection } = after.results[0]!.explanation;
  t.match(selection, { priority: 2, priority_bonus: 2 * PRIORITY_STEP });
  t.equal(after.results[0]!.score, selection.relevance + selection.priority_bonus, 'score = relevance + priority bonus');

  const composed = await compose(lib.id, { messages: refundConversation, k: 1 });
  t.same(composed.guidance.map((g) => g.id), [second], 'compose follows the same order');

  const relevance = selection.relevance;
  const above = await retrieve(lib.id, { k: 2, min_score: relevance + PRIORITY_STEP });
  t.same(above.results, [], 'priority never lifts an entry over min_score');
});

t.test('excludes: of two entries that exclude each other, the one ranked first keeps its place', async (t) => {
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, [{ ...TWINS[0]!, priority: 1, excludes: ['twin-b'] }, TWINS[1]!]);
  const [a, b] = ids;
  const found = await retrieve(lib.id, { k: 5 });
  t.same(found.results.map((r) => r.id), [a], 'twin-b is left out though k has room');
  t.match(found.set_aside, [{ id: b, reason: 'excluded', by: [a] }]);

  // Declared on the lower-ranked one, the same: the first keeps its place.
  await importEntries(app, lib.id, [{ ...TWINS[0]!, priority: 1 }, { ...TWINS[1]!, excludes: ['twin-a'] }]);
  t.same((await retrieve(lib.id, { k: 5 })).results.map((r) => r.id), [a]);
  const swapped = await importEntries(app, lib.id, [TWINS[0]!, { ...TWINS[1]!, priority: 1, excludes: ['twin-a'] }]);
  t.equal(swapped.updated, 2);
  t.same((await retrieve(lib.id, { k: 5 })).results.map((r) => r.id), [b], 'raise the other, and the other stays');
});

t.test('requires: an entry is selected only with the entries it requires, which join it ranked with it', async (t) => {
  const lib = await createLibrary(app);
  const verify = { external_id: 'verify', scenario: 'Customer asks to change the email address of the account', guidance: 'Verify identity with two of: email, phone, zip code.' };
  const { ids } = await importEntries(app, lib.id, [{ ...SAMPLE_ENTRIES[0]!, requires: ['verify'] }, SAMPLE_ENTRIES[1]!, SAMPLE_ENTRIES[2]!, verify]);
  const [refund, , , verifyId] = ids;
  const all = await retrieve(lib.id, { k: 2 });
  t.same(all.results.map((r) => r.id), [refund, verifyId], 'the required entry is taken right behind the one requiring it');
  t.match(all.results[1]!.explanation.selection, { required_by: refund });
  t.same(all.results[0]!.explanation.selection.needs, [verifyId]);
  t.equal(all.results[1]!.score, all.results[0]!.score, 'ranked with it');

  const oneSlot = await retrieve(lib.id, { k: 1 });
  t.not(oneSlot.results[0]!.id, refund, 'with one slot, the entry and what it requires do not fit: it is left out');
  t.match(oneSlot.set_aside, [{ id: refund, reason: 'requires', by: [verifyId] }]);

  const refundRelevance = all.results[0]!.explanation.selection.relevance;
  const verifyRelevance = (await retrieve(lib.id, { k: 4 })).results.find((r) => r.id === verifyId)!.explanation.selection.relevance;
  t.ok(verifyRelevance < refundRelevance, 'the identity note matches the refund conversation less');
  const strict = await retrieve(lib.id, { k: 4, min_score: (refundRelevance + verifyRelevance) / 2 });
  t.notOk(strict.results.some((r) => r.id === refund), 'below min_score the required entry is not selectable, so neither is the one requiring it');
  t.match(strict.set_aside, [{ id: refund, reason: 'requires', by: [verifyId] }]);
});

t.test('a note already given and followed in the conversation takes no slot there; another conversation still gets it', async (t) => {
  const lib = await createLibrary(app);
  const lookUp = {
    external_id: 'look-up-first',
    scenario: 'Customer asks to cancel an order',
    guidance: 'Look the order up with get_order_details before promising anything.',
  };
  const { ids } = await importEntries(app, lib.id, [lookUp, ...SAMPLE_ENTRIES]);
  const note = ids[0]!;
  const first = await compose(lib.id, { messages: cancelRequest, tools: ORDER_TOOLS, conversation_id: 'ticket-1', k: 1 });
  t.same(first.guidance.map((g) => g.id), [note], 'given in the first turn');

  const looked = [
    ...cancelRequest,
    { role: 'assistant', content: null, tool_calls: [call('call_1', 'get_order_details', { order_id: 'W2378156' })] },
    { role: 'tool', tool_call_id: 'call_1', content: '{"status":"pending"}' },
    { role: 'user', content: 'So can you cancel my order now?' },
  ];
  const next = await compose(lib.id, { messages: looked, tools: ORDER_TOOLS, conversation_id: 'ticket-1', k: 1 });
  t.equal(next.guidance.length, 1, 'the slot goes to another entry');
  t.not(next.guidance[0]!.id, note, 'followed: get_order_details has been called since it was given');

  const explained = await retrieve(lib.id, { messages: looked, k: 1, conversation_id: 'ticket-1' });
  t.match(explained.set_aside, [{ id: note, reason: 'followed', detail: /get_order_details, which it names, has been called since/ }]);

  const other = await compose(lib.id, { messages: looked, tools: ORDER_TOOLS, conversation_id: 'ticket-2', k: 1 });
  t.same(other.guidance.map((g) => g.id), [note], 'a conversation that was never given it still gets it');
  const noConversation = await retrieve(lib.id, { messages: looked, k: 1 });
  t.equal(noConversation.results[0]!.id, note);

  const notFollowed = await compose(lib.id, { messages: [...cancelRequest, { role: 'user', content: 'Hello? Can you cancel my order?' }], tools: ORDER_TOOLS, conversation_id: 'ticket-3', k: 1 });
  t.same(notFollowed.guidance.map((g) => g.id), [note]);
  const again = await compose(lib.id, { messages: [...cancelRequest, { role: 'user', content: 'Still waiting, please cancel my order' }], tools: ORDER_TOOLS, conversation_id: 'ticket-3', k: 1 });
  t.same(again.guidance.map((g) => g.id), [note], 'given but not followed (the tool was not called): it keeps its slot');
});

t.test('bad references are refused with 400 naming the field; no entry can name another library\'s', async (t) => {
  const lib = await createLibrary(app);
  const other = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, SAMPLE_ENTRIES);
  const [theirs] = (await importEntries(app, other.id, [SAMPLE_ENTRIES[0]!])).ids;
  const base = { scenario: 'Customer asks about gift wrapping', guidance: 'Offer gift wrapping at checkout.' };

  const unknown = await write(lib.id, { ...base, requires: ['no-such-entry'] });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json().error.message, /^body\.requires names "no-such-entry", which is no entry of this library/);
  const foreign = await write(lib.id, { ...base, excludes: [theirs] });
  t.equal(foreign.statusCode, 400);
  t.match(foreign.json().error.message, /^body\.excludes names "[0-9a-f-]+", which is no entry of this library/);
  const foreignByName = await write(other.id, { ...base, requires: ['password-reset'] });
  t.match(foreignByName.json().error.message, /^body\.requires names "password-reset"/, 'external ids are looked up in the entry\'s own library only');
  const self = await patch(lib.id, ids[0]!, { excludes: ['refund-late'] });
  t.equal(self.statusCode, 400);
  t.match(self.json().error.message, /^body\.excludes names the entry itself/);

  t.equal((await patch(lib.id, ids[0]!, { requires: ['password-reset'] })).statusCode, 200);
  t.equal((await patch(lib.id, ids[1]!, { requires: ['shipping-address'] })).statusCode, 200);
  const cycle = await patch(lib.id, ids[2]!, { requires: ['refund-late'] });
  t.equal(cycle.statusCode, 400);
  t.match(cycle.json().error.message, /^body\.requires would make a cycle of requires/);
  const inImport = await app.inject({
    method: 'POST',
    url: `/v1/libraries/${lib.id}/guidance/import`,
    headers: admin,
    payload: [{ ...base, external_id: 'p', requires: ['q'] }, { ...base, external_id: 'q', guidance: 'Other.', requires: ['p'] }],
  });
  t.equal(inImport.statusCode, 400);
  t.match(inImport.json().error.message, /^body\.\d\.requires would make a cycle/);
  const badPriority = await write(lib.id, { ...base, priority: 11 });
  t.equal(badPriority.statusCode, 400);
  t.match(badPriority.json().error.message, /body\.priority/);
  t.equal((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance?limit=500`, headers: admin })).json().items.length, 3, 'nothing refused was written');
});

t.test('rules are versioned: history, restore, and an export that re-imports unchanged and into another library', async (t) => {
  const lib = await createLibrary(app);
  const { ids } = await importEntries(app, lib.id, [{ ...SAMPLE_ENTRIES[0]!, requires: ['password-reset'], excludes: ['shipping-address'], priority: 3 }, ...SAMPLE_ENTRIES.slice(1), CORE]);
  const [refund, password, shipping] = ids;
  const url = `/v1/libraries/${lib.id}/guidance/${refund}`;
  t.match((await app.inject({ method: 'GET', url, headers: admin })).json(), { priority: 3, requires: [password], excludes: [shipping], always_on: false });

  const edited = await patch(lib.id, refund!, { priority: -1, requires: [] });
  t.match(edited.json().entry, { version: 2, priority: -1, requires: [], excludes: [shipping] });
  const history = (await app.inject({ method: 'GET', url: `${url}/history`, headers: admin })).json().items;
  t.match(history, [{ version: 2, priority: -1, requires: [] }, { version: 1, priority: 3, requires: [password] }]);
  const restored = await app.inject({ method: 'POST', url: `${url}/restore`, headers: admin, payload: { version: 1 } });
  t.match(restored.json(), { version: 3, priority: 3, requires: [password], excludes: [shipping] });

  const exported = await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/export`, headers: admin });
  const lines = exported.body.trim().split('\n').map((line) => JSON.parse(line));
  t.match(lines[0], { requires: ['password-reset'], excludes: ['shipping-address'], priority: 3 }, 'references by external_id');
  t.match(lines[3], { always_on: true });
  const again = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/guidance/import`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: exported.body });
  t.match(again.json(), { created: 0, updated: 0, unchanged: 4 });

  const copy = await createLibrary(app);
  const into = await app.inject({ method: 'POST', url: `/v1/libraries/${copy.id}/guidance/import`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: exported.body });
  t.equal(into.statusCode, 200, into.body);
  const copied = (await app.inject({ method: 'GET', url: `/v1/libraries/${copy.id}/guidance?limit=10`, headers: admin })).json().items;
  const byName = new Map(copied.map((e: { external_id: string; id: string }) => [e.external_id, e.id]));
  t.match(copied[0], { priority: 3, requires: [byName.get('password-reset')], excludes: [byName.get('shipping-address')] }, 'resolved to the new library\'s entries');
});

t.test('selection on its own: requires chains come along, a bundle that clashes or does not fit is left out, the core is capped', async (t) => {
  const rules = (r: Partial<SelectionRules> = {}): SelectionRules => ({ ...NO_RULES, ...r });
  const c = (id: string, relevance: number, r?: Partial<SelectionRules>) => ({ id, relevance, rules: rules(r) });
  const none = new Map<string, string>();

  const chain = selectEntries({ candidates: [c('x', 0.9, { requires: ['y'] }), c('y', 0.2, { requires: ['z'] }), c('z', 0.1), c('w', 0.5)], alwaysOn: [], followed: none, k: 3 });
  t.same(chain.selected.map((s) => [s.id, s.requiredBy]), [['x', null], ['y', 'x'], ['z', 'x']], 'what x requires, and what that requires, joins right behind it');
  t.same(chain.selected.map((s) => s.needs), [['y'], ['z'], []]);

  const followedHalf = selectEntries({ candidates: [c('x', 0.9, { requires: ['y'] }), c('y', 0.8), c('w', 0.5)], alwaysOn: [], followed: new Map([['y', 'done']]), k: 2 });
  t.same(followedHalf.selected.map((s) => s.id), ['x', 'w'], 'a required note already followed is met without a slot');
  t.same(followedHalf.selected[0]!.needs, [], 'nothing in the prompt it needs');
  t.match(followedHalf.setAside, [{ id: 'y', reason: 'followed' }]);

  const clash = selectEntries({ candidates: [c('a', 0.95, { excludes: ['y'] }), c('x', 0.9, { requires: ['y'] }), c('y', 0.2), c('w', 0.5)], alwaysOn: [], followed: none, k: 3 });
  t.same(clash.selected.map((s) => s.id), ['a', 'w'], 'x needs y, which a excludes: neither comes in');
  t.match(clash.setAside, [{ id: 'x', reason: 'requires', by: ['y'] }, { id: 'y', reason: 'excluded', by: ['a'] }]);

  const cores = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((id, i) => c(id, 0, { always_on: true, priority: i === 5 ? 3 : 0 }));
  const capped = selectEntries({ candidates: [c('w', 0.5)], alwaysOn: cores, followed: none, k: 1 });
  t.same(capped.selected.map((s) => s.id), ['c6', 'c1', 'c2', 'c3', 'c4', 'w'], `at most ${MAX_ALWAYS_ON}, highest priority first; k still holds a retrieved one`);
  t.match(capped.setAside, [{ id: 'c5', reason: 'always_on_cap' }]);
});
