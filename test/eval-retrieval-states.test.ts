import t from 'tap';
import { actionPoints, docButtonTool, stepEntries, type StateDoc } from '../scripts/eval/abcd-states.js';
import type { AbcdConversation } from '../scripts/eval/abcd.js';
import { selectionSweep } from '../scripts/eval/selection-sweep.js';
import { formatDifference, pairedDifference } from '../scripts/eval/metrics.js';
import { exampleText } from '../src/retrieval/example-text.js';

const doc: StateDoc = {
  intent: 'refund_status',
  title: 'Product Defect / Refund Status',
  flow_description: 'refunds',
  steps: [
    { button: 'Pull up Account', text: 'Get the full name for [Pull up Account]', subtext: [] },
    { button: 'Validate Purchase', text: 'Validate the purchase', subtext: ['Username', 'Order ID'] },
    { button: 'N/A', text: 'Tell the customer the refund status', subtext: [] },
    { button: 'Validate Purchase', text: 'Validate the second purchase', subtext: [] },
  ],
};

const conversation: AbcdConversation = {
  uid: 'c1',
  intent: 'refund_status',
  exclude_recommended: false,
  turns: [
    { speaker: 'customer', text: 'Where is my refund?' },
    { speaker: 'agent', text: 'Your full name please?' },
    { speaker: 'action', text: 'Account has been pulled up for Ann Lee.', button: 'pull-up-account' },
    { speaker: 'action', text: 'Account has been pulled up for Ann Lee.', button: 'pull-up-account' },
    { speaker: 'action', text: 'A link will be sent.', button: 'send-link' },
    { speaker: 'action', text: 'Purchase validation in progress ...', button: 'validate-purchase' },
    { speaker: 'action', text: 'Purchase validation in progress ...', button: 'validate-purchase' },
    { speaker: 'action', text: 'Purchase validation in progress ...', button: 'validate-purchase' },
  ],
};

t.test('state level: the label is the first not-yet-done step with the button pressed next; repeats and unknown buttons are dropped', async (t) => {
  const points = actionPoints(conversation, doc);
  t.same(
    points.map((p) => p.goldId),
    ['refund_status#1', 'refund_status#2', 'refund_status#4'],
    'a second pull-up is a repeat, send-link is in no step, the second validation is step 4, a third is past the last',
  );
  t.same(points.map((p) => p.first), [true, false, false], 'only the conversation’s first action counts as first');
  const beforeSecond = points[1]!.messages;
  t.same(
    beforeSecond.map((m) => m.role),
    ['user', 'assistant', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool'],
    'earlier actions are assistant tool calls, each answered by a tool message',
  );
  t.match(beforeSecond[2], { tool_calls: [{ function: { name: 'pull-up-account' } }] });
  t.match(beforeSecond[3], { role: 'tool', content: 'Account has been pulled up for Ann Lee.' });
});

t.test('state level: one entry per step; a button used by one step only marks that step done once it has run', async (t) => {
  const entries = stepEntries([doc], actionPoints(conversation, doc));
  t.same(entries.map((e) => e.id), ['refund_status#1', 'refund_status#2', 'refund_status#3', 'refund_status#4']);
  t.same(entries.map((e) => e.beforeTools), [['pull-up-account'], [], [], []], 'validate-purchase has two steps, N/A none');
  t.same(entries[0]!.examples, ['Where is my refund?\n∅'], 'the first action was taken before any call');
  t.match(entries[1]!.examples[0], /pull-up-account\(\) → Account has been pulled up for Ann Lee\./, "the step's example carries the tools already called");
  const withOpenings = stepEntries([doc], actionPoints(conversation, doc), new Map([['refund_status', ['Hi, my refund']]]));
  t.same(withOpenings.map((e) => e.examples.at(-1)), ['Hi, my refund', 'Hi, my refund', 'Hi, my refund', 'Hi, my refund'], "every step of the intent gets its openings, after the step's own examples");
  t.same(withOpenings[0]!.examples.slice(0, -1), entries[0]!.examples);
  t.equal(docButtonTool('Select Answer'), 'select-faq');
  t.equal(docButtonTool('End Conversation'), null);
});

t.test("a conversation as an example is the customer's turns and the tool calls, not the agent's words", async (t) => {
  t.equal(
    exampleText([
      { role: 'assistant', content: 'Hi, how can I help you today?' },
      { role: 'user', content: 'My refund never arrived' },
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_order', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c', content: '{"status": "refund pending"}' },
    ]),
    'My refund never arrived\nget_order() → status: refund pending',
  );
  t.equal(exampleText([{ role: 'user', content: 'My refund never arrived' }]), 'My refund never arrived\n∅', 'before any call, a line says so');
  t.equal(exampleText([{ role: 'assistant', content: 'Hi, how can I help?' }, { role: 'user', content: 'hi' }]), '', 'no customer words, no call: nothing to make an example of');
});

t.test('the selection sweep counts a query as found only when its entry is within k and above min_score', async (t) => {
  const lines = selectionSweep(
    [
      { goldId: 'a', hits: [{ id: 'a', score: 0.5 }, { id: 'b', score: 0.15 }] },
      { goldId: 'b', hits: [{ id: 'a', score: 0.35 }, { id: 'b', score: 0.25 }] },
    ],
    'test',
  );
  t.match(lines[3], /^\| 0 \| 0\.500 \| 1\.0 \| 1\.000 \| 2\.0 \|/, 'min_score 0: k=1 finds one of two, k=3 both');
  t.match(lines[6], /^\| 0\.3 \| 0\.500 \| 1\.0 \| 0\.500 \| 1\.0 \|/, 'min_score 0.3 leaves one note for each query');
});

t.test('two rankers are compared pair by pair: only the queries one got right and the other wrong move the difference', async (t) => {
  const d = pairedDifference([true, true, true, false], [true, false, false, true]);
  t.match(d, { n: 4, difference: 0.25, onlyFirst: 2, onlySecond: 1 });
  const half = 1.96 * (Math.sqrt(3 - 1 / 4) / 4);
  t.ok(Math.abs(d.interval[0] - (0.25 - half)) < 1e-12 && Math.abs(d.interval[1] - (0.25 + half)) < 1e-12, 'Wald interval from the discordant pairs');
  t.same(pairedDifference([true, false], [true, false]).interval, [0, 0], 'no discordant pair: no spread');
  t.equal(formatDifference(pairedDifference([false, false], [true, false])), '−0.500 (−1.193 to +0.193; 0 vs 1 discordant)');
  t.throws(() => pairedDifference([true], [true, false]), /same queries/);
});
