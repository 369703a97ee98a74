import t from 'tap';
import { admin, testApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { afterLookup, call, cancelRequest, LOOKUP_ENTRIES, STATUS_ENTRIES } from './helpers/tools.js';

interface Result {
  id: string;
  external_id: string;
  score: number;
  applies_when: { after_tools: string[]; before_tools: string[] };
  explanation: { vector_score: number; vector_weight: number; text_weight: number; text_rank_normalised: number; tool_state: ToolState };
}

interface ToolState {
  after_tools_met: boolean | null;
  before_tools_met: boolean | null;
  bonus: number;
}

t.comment(`retrieval with tool state on ${usingPostgres ? 'PostgreSQL' : 'PGlite'}`);

async function setup(t: { teardown(fn: () => unknown): void }, entries: unknown[]) {
  const { app } = await testApp(t);
  const lib = await createLibrary(app);
  await importEntries(app, lib.id, [...SAMPLE_ENTRIES, ...entries]);
  const retrieve = async (messages: unknown[], k = 10) => {
    const res = await app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages, k } });
    if (res.statusCode !== 200) throw new Error(`retrieve failed: ${res.statusCode} ${res.body}`);
    return res.json() as { results: Result[]; query: string; tools_run: string[] };
  };
  return { app, lib, retrieve };
}

const rankOf = (results: Result[], externalId: string) => results.findIndex((r) => r.external_id === externalId);

t.test('after a tool result, the note for after that tool is retrieved and the note for before it is not', async (t) => {
  const { retrieve } = await setup(t, LOOKUP_ENTRIES);

  const before = await retrieve(cancelRequest);
  t.same(before.tools_run, []);
  t.ok(rankOf(before.results, 'cancel-before-lookup') >= 0, 'before the lookup, the before-note is retrieved');
  t.equal(rankOf(before.results, 'cancel-after-lookup'), -1, 'and the after-note, whose tool has not run, is not');
  const beforeNote = before.results[rankOf(before.results, 'cancel-before-lookup')]!;
  t.same(beforeNote.applies_when, { after_tools: [], before_tools: ['get_order_details'] });
  t.same(beforeNote.explanation.tool_state, { after_tools_met: null, before_tools_met: true, bonus: 0 });

  const after = await retrieve(afterLookup('delivered'));
  t.same(after.tools_run, ['get_order_details']);
  t.equal(rankOf(after.results, 'cancel-after-lookup'), 0, 'after the lookup, the after-note comes first');
  t.equal(rankOf(after.results, 'cancel-before-lookup'), -1, 'and the before-note, whose tool already ran, is left out');
  const afterNote = after.results[0]!;
  t.same(afterNote.explanation.tool_state, { after_tools_met: true, before_tools_met: null, bonus: 0.1 });
  const e = afterNote.explanation;
  t.ok(Math.abs(afterNote.score - (e.vector_weight * e.vector_score + e.text_weight * e.text_rank_normalised + e.tool_state.bonus)) < 1e-9, 'the bonus is part of the explained score');
  t.match(after.query, /get_order_details\(\) → status: delivered/, 'the tool call and its result are in the query');

  const failed = await retrieve([
    ...cancelRequest,
    { role: 'assistant', content: null, tool_calls: [call('call_1', 'get_order_details', { order_id: 'W2378156' })] },
    { role: 'tool', tool_call_id: 'call_1', content: 'Error: order not found' },
  ]);
  t.equal(rankOf(failed.results, 'cancel-before-lookup'), -1, 'a call that failed has still run');
});

t.test('a status in a tool result steers retrieval between notes told apart only by it', async (t) => {
  const { retrieve } = await setup(t, STATUS_ENTRIES);
  const delivered = (await retrieve(afterLookup('delivered'))).results;
  t.ok(rankOf(delivered, 'cancel-delivered') < rankOf(delivered, 'cancel-pending'), 'delivered: the note about delivered orders first');
  const pending = (await retrieve(afterLookup('pending'))).results;
  t.ok(rankOf(pending, 'cancel-pending') < rankOf(pending, 'cancel-delivered'), 'pending: the note about pending orders first');
  const unconditioned = delivered[rankOf(delivered, 'cancel-delivered')]!;
  t.same(unconditioned.explanation.tool_state, { after_tools_met: null, before_tools_met: null, bonus: 0 });
});

t.test('retrieve takes OpenAI-form conversations and refuses malformed tool turns, naming the field', async (t) => {
  const { app, lib } = await setup(t, []);
  const post = (messages: unknown[]) => app.inject({ method: 'POST', url: `/v1/libraries/${lib.id}/retrieve`, headers: admin, payload: { messages } });
  const cases: [unknown[], string][] = [
    [[...cancelRequest, { role: 'tool', content: '{}' }], 'body.messages.2.tool_call_id'],
    [[...cancelRequest, { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }], 'body.messages.2.tool_calls.0.id'],
    [[...cancelRequest, { role: 'user', content: null }], 'body.messages.2.content'],
  ];
  for (const [messages, field] of cases) {
    const res = await post(messages);
    t.equal(res.statusCode, 400, field);
    t.equal(res.json().error.details[0].field, field);
  }
});
