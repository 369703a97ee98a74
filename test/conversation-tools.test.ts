import t from 'tap';
import { composePrompt } from '../src/chat/composer.js';
import { conversationProblems, type ChatMessage } from '../src/messages.js';
import { namedTools, namesTool, toolResultsGiven } from '../src/chat/tool-traces.js';
import { fullTextTerms, queryPieces } from '../src/retrieval/conversation-query.js';
import { salientFacts, toolsRun } from '../src/retrieval/tool-state.js';
import { numberedTranscript } from '../src/teacher/transcript-text.js';

const call = (id: string, name: string, args: object) => ({ id, type: 'function' as const, function: { name, arguments: JSON.stringify(args) } });

/** A customer asks to cancel; the agent looks the order up; the order turns out to be delivered. */
const delivered: ChatMessage[] = [
  { role: 'system', content: 'You are the Acme support agent.' },
  { role: 'user', content: 'Please cancel my order W2378156, I do not need it any more' },
  { role: 'assistant', content: null, tool_calls: [call('call_1', 'get_order_details', { order_id: 'W2378156' })] },
  {
    role: 'tool',
    tool_call_id: 'call_1',
    content: JSON.stringify({
      order_id: 'W2378156',
      status: 'delivered',
      total: 172.43,
      items: [{ item_id: '9612497925', name: 'Water Bottle', options: { capacity: '750ml' } }],
      notes: 'x'.repeat(500),
    }),
  },
];

t.test('the salient facts of a tool result are its short worded values, errors first; ids, numbers and blobs are left out', async (t) => {
  t.same(salientFacts(delivered[3]!.content!), ['status: delivered', 'name: Water Bottle']);
  t.same(salientFacts('{"error": "Order is not pending, cannot be cancelled", "order_id": "W1"}'), ['error: Order is not pending, cannot be cancelled']);
  t.same(salientFacts('{"ok": true, "message": "done", "code": "E1234"}'), ['ok: true', 'message: done'], 'booleans are state; code-like strings are not');
  t.same(salientFacts('Error: user not found'), ['Error: user not found'], 'a short plain-text result is kept whole');
  t.equal(salientFacts('word '.repeat(100))[0]!.length, 201, 'a long plain-text result is cut');
  t.same(salientFacts('[]'), []);
});

t.test('a tool call with its result is a query piece of its own, and its words are searched', async (t) => {
  const pieces = queryPieces(delivered);
  t.same(
    pieces.map((p) => p.speaker),
    ['customer', 'tool'],
    'the system message is not searched; the tool-only agent turn has no text piece',
  );
  const tool = pieces[1]!;
  t.equal(tool.text, 'get_order_details() → status: delivered; name: Water Bottle', 'the id argument and the blob are not in it');
  t.equal(tool.weight, 0.5);
  t.ok(fullTextTerms(pieces).some((q) => q.term === 'delivered' && q.weight === 0.5), 'a status in a result reaches the full-text query, weighted as its piece');

  const withoutResult = queryPieces(delivered.slice(0, 3));
  t.equal(withoutResult[1]!.text, 'get_order_details()', 'a call awaiting its result still says which tool was called');

  const later = queryPieces([...delivered, { role: 'user', content: 'then I want to return it and get my money back for the bottle' }]);
  t.same(
    later.map((p) => [p.speaker, p.weight]),
    [['customer', 1], ['tool', 0.5], ['customer', 1]],
    'in conversation order; a later customer turn does not age the call: what has run is state until the conversation ends',
  );
});

t.test('the tools that have run are the ones the agent called, whatever they returned', async (t) => {
  t.same(toolsRun(delivered.slice(0, 2)), []);
  t.same(toolsRun(delivered), ['get_order_details']);
  const failed: ChatMessage[] = [
    ...delivered,
    { role: 'assistant', content: 'Let me try.', tool_calls: [call('call_2', 'cancel_pending_order', { order_id: 'W2378156' }), call('call_3', 'get_user_details', {})] },
    { role: 'tool', tool_call_id: 'call_2', content: 'Error: non-pending order cannot be cancelled' },
  ];
  t.same(toolsRun(failed), ['cancel_pending_order', 'get_order_details', 'get_user_details']);
  t.same(toolResultsGiven(failed).map((r) => [r.tool_call_id, r.name]), [['call_1', 'get_order_details'], ['call_2', 'cancel_pending_order']]);
  t.match(toolResultsGiven([...delivered.slice(0, 3), { role: 'tool', tool_call_id: 'call_1', content: 'y'.repeat(5000) }])[0]!.content, /^y{1000}… \[4000 more characters\]$/);
});

t.test('conversation checks name the field: tool results answer earlier calls; null content only for tool calls', async (t) => {
  t.same(conversationProblems(delivered, 'body.messages'), []);
  const problems = (messages: unknown[]) => conversationProblems(messages as ChatMessage[], 'body.messages');
  t.same(problems([{ role: 'user', content: 'hi' }, { role: 'tool', content: '{}' }]), [
    { field: 'body.messages.1.tool_call_id', message: 'is required in a tool message: the id of the tool call it answers' },
  ]);
  t.same(problems([{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_9', content: '{}' }]), [
    { field: 'body.messages.1.tool_call_id', message: 'call_9 answers no tool call of an earlier assistant message' },
  ]);
  t.same(problems([{ role: 'tool', tool_call_id: 'call_1', content: '{}' }, ...delivered.slice(1, 3)])[0]!.field, 'body.messages.0.tool_call_id', 'a result before its call');
  t.same(problems([{ role: 'user', content: null }]), [{ field: 'body.messages.0.content', message: 'may be null only in an assistant message with tool_calls' }]);
  t.same(problems([{ role: 'assistant', content: null }])[0]!.field, 'body.messages.0.content');
  t.same(problems([{ role: 'user', content: 'x', tool_call_id: 'a' }])[0]!.field, 'body.messages.0.tool_call_id');
  t.same(problems([{ role: 'user', content: 'x', tool_calls: [] }])[0]!.field, 'body.messages.0.tool_calls');
  const twice = [{ role: 'assistant', content: null, tool_calls: [call('a', 'f', {}), call('a', 'g', {})] }];
  t.same(problems(twice)[0]!.field, 'body.messages.0.tool_calls.1.id');
});

t.test('the composer passes tool calls and results to the student as given, after the one system message', async (t) => {
  const c = composePrompt({ policy: 'POLICY', guidance: [], messages: delivered, guidanceTokenBudget: 1000 });
  t.equal(c.messages[0]!.role, 'system');
  t.match(c.messages[0]!.content, /POLICY[\s\S]*You are the Acme support agent/);
  t.same(c.messages.slice(1), delivered.slice(1));
});

t.test('a note names a tool only as a word of its own, and only tools offered in the turn count', async (t) => {
  t.ok(namesTool('Call get_order_details before promising anything.', 'get_order_details'));
  t.ok(namesTool('get_order_details', 'get_order_details'));
  t.notOk(namesTool('Call get_order_details first.', 'get_order'));
  t.notOk(namesTool('Use xget_order.', 'get_order'));
  const tools = ['get_order_details', 'cancel_pending_order'].map((name) => ({ type: 'function' as const, function: { name } }));
  const notes = [
    { id: 'a', guidance: 'Call get_order_details, then cancel_pending_order only once confirmed.' },
    { id: 'b', guidance: 'Apologise.' },
    { id: 'c', guidance: 'Use transfer_to_human_agents.' },
  ];
  t.same(namedTools(notes, tools), { a: ['get_order_details', 'cancel_pending_order'] });
});

t.test('the teacher reads tool calls as agent moves and sees what the tools returned', async (t) => {
  const text = numberedTranscript(delivered);
  t.match(text, /^\[2\] agent: calls get_order_details\(\{"order_id":"W2378156"\}\) \[call_1\]$/m);
  t.match(text, /^\[3\] tool result of get_order_details \[call_1\]: \{"order_id":"W2378156","status":"delivered"/m);
  t.match(text, /^\[1\] customer: Please cancel/m);
});
