import t from 'tap';
import { admin, testApp } from './helpers/app.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { afterLookup, call, cancelRequest, ORDER_TOOLS } from './helpers/tools.js';

/**
 * A library using every rule live retrieval applies: examples, an always-on core, a priority, an
 * exclusion, a procedure whose next step depends on the calls made and on its examples' tool
 * states, a note for after a tool, and a note given in one turn whose tool is called by the next.
 */
const ENTRIES = [
  ...SAMPLE_ENTRIES,
  { external_id: 'core', scenario: 'Any conversation with a customer', guidance: "Address the customer by name once you know it.", always_on: true },
  {
    external_id: 'refund-credit',
    scenario: 'Customer asks for money back on a late return and accepts store credit',
    guidance: 'Offer store credit for the full amount.',
    examples: ['can I get store credit instead of my money back'],
    priority: 1,
  },
  {
    external_id: 'cancel-1',
    scenario: 'Customer asks to cancel an order: first look the order up',
    guidance: 'Call get_order_details with the order id the customer gave.',
    examples: ['please cancel my order, I do not need it'],
    procedure: { name: 'cancel-order', step: 1, tool: 'get_order_details' },
  },
  {
    external_id: 'cancel-2',
    scenario: 'Customer asks to cancel an order: cancel the pending order',
    guidance: 'If the order is pending, call cancel_pending_order with the reason the customer gave.',
    examples: ['please cancel my order, I do not need it'],
    procedure: { name: 'cancel-order', step: 2, tool: 'cancel_pending_order' },
  },
  {
    external_id: 'cancel-3',
    scenario: 'Customer asks to cancel an order: confirm the cancellation',
    guidance: 'Tell the customer the order is cancelled and when the refund arrives.',
    // Taken once right after the lookup: next by its examples in that state, not by the order.
    examples: ['please cancel it\nget_order_details({"order_id": "W2378156"}) → status: pending'],
    procedure: { name: 'cancel-order', step: 3, tool: null },
  },
  {
    external_id: 'status-known',
    scenario: 'The order status is known from the lookup',
    guidance: 'Tell the customer the status you found before acting on it.',
    applies_when: { after_tools: ['get_order_details'] },
  },
];

t.test('replaying the current entries gives every stored turn exactly the guidance it was given live, selection rules, procedures and followed notes included', async (t) => {
  const { app } = await testApp(t);
  // The library's own k, which chat and compose use when a turn asks for none, and so does replay.
  const lib = await createLibrary(app, { retrieval: { k: 3 } });
  const { ids } = await importEntries(app, lib.id, ENTRIES);
  const byExternal = new Map(ENTRIES.map((e, i) => [e.external_id, ids[i]!]));
  const refundCredit = byExternal.get('refund-credit')!;
  await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}/guidance/${refundCredit}`, headers: admin, payload: { excludes: [byExternal.get('refund-late')!] } });

  const turns: [string, object[]][] = [
    ['cancel', cancelRequest],
    ['cancel', afterLookup('pending')],
    ['cancel', [...afterLookup('pending'), { role: 'assistant', content: null, tool_calls: [call('call_2', 'cancel_pending_order', { order_id: 'W2378156', reason: 'no longer needed' })] }, { role: 'tool', tool_call_id: 'call_2', content: '{"status":"cancelled"}' }]],
    ['refund', [{ role: 'user', content: 'I bought a jacket 45 days ago, can I get my money back or store credit?' }]],
    ['password', [{ role: 'user', content: 'I forgot my password and I am locked out' }]],
  ];
  const served: string[][] = [];
  for (const [conversation_id, messages] of turns) {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin, payload: { messages, conversation_id, tools: ORDER_TOOLS } });
    t.equal(res.statusCode, 200, res.body);
    const { guidance, dropped_guidance } = res.json();
    served.push([...guidance, ...dropped_guidance].map((g: { id: string }) => g.id));
  }
  const [lookupTurn, cancelTurn] = [served[0]!, served[1]!];
  t.ok(lookupTurn.includes(byExternal.get('cancel-1')!) && lookupTurn.includes(byExternal.get('core')!), 'live: the first step and the core');
  t.notOk(cancelTurn.includes(byExternal.get('cancel-1')!), 'live: the first step, followed, takes no slot in the next turn');
  t.ok(cancelTurn.includes(byExternal.get('cancel-2')!), 'live: the next step once the order is looked up');
  t.notOk(served[3]!.includes(byExternal.get('refund-late')!) && served[3]!.includes(refundCredit), 'live: of an excluding pair, one');

  const replay = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/replay`, headers: admin, payload: { a: 'current', b: 'current' } });
  t.equal(replay.statusCode, 200, replay.body);
  const report = replay.json();
  t.match(report, { turns: turns.length, changed_turns: 0, k: null });
  const replayed = (conversation: string) => report.conversations.find((c: { conversation_id: string }) => c.conversation_id === conversation).turns;
  const asServed = [...replayed('cancel'), ...replayed('refund'), ...replayed('password')].map((turn: { a: { entry_id: string }[] }) => turn.a.map((e) => e.entry_id));
  t.same(asServed, served, 'each turn replays to the entries it was given, in the order it was given them');
  t.ok(served.every((entries) => entries.length === 4), "each turn: the core and the library's k of 3");
});
