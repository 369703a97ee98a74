import t from 'tap';
import { FakeLlm, POLICY, VERIFY_CLAUSE, type LlmRequest } from './helpers/fake-llm.js';
import { teacherSetup } from './helpers/teacher.js';
import { call, ORDER_TOOLS } from './helpers/tools.js';

const userText = (r: LlmRequest) => r.messages.find((m) => m.role === 'user')?.content ?? '';

/** A human agent who cancelled before looking the order up: the tool call at turn 1 came too early. */
const transcript = {
  id: 'ticket-9',
  messages: [
    { role: 'user', content: 'Cancel order W2378156 please, I was charged twice' },
    { role: 'assistant', content: 'Cancelling it now.', tool_calls: [call('call_1', 'cancel_pending_order', { order_id: 'W2378156', reason: 'no longer needed' })] },
    { role: 'tool', tool_call_id: 'call_1', content: 'Error: non-pending order cannot be cancelled' },
    { role: 'assistant', content: 'Sorry, that did not work.' },
  ],
  tools: ORDER_TOOLS,
  outcome: 'customer escalated',
};

const LOOKUP_FIRST = 'call get_order_details(order_id) first, then cancel only a pending order';

/** The teacher finds the early call; the student, coached, looks the order up first. */
function script(fake: FakeLlm): FakeLlm {
  return fake
    .on('teacher:decision_points', () => ({
      json: { decision_points: [{ turn: 1, teacher_reply: LOOKUP_FIRST, shortfall: true, kinds: ['tool_too_early', 'tool_wrong_arguments'], explanation: 'cancelled before checking the status' }] },
    }))
    .on('teacher:guidance_entry', () => ({
      json: {
        scenario: 'Customer asks to cancel an order whose status has not been checked',
        guidance: 'Call get_order_details before cancel_pending_order; cancel only a pending order, else offer a return.',
        policy_refs: [VERIFY_CLAUSE],
        tags: ['orders'],
        before_tools: ['cancel_pending_order'],
        rationale: 'The agent cancelled without checking.',
      },
    }))
    .on('student', (request) => (/get_order_details before/.test(request.messages[0]!.content) ? { toolCalls: [{ id: 'call_9', name: 'get_order_details', arguments: '{"order_id":"W2378156"}' }] } : { content: 'Cancelling.' }))
    .on('teacher:sample_verdict', (request) => ({ json: { matches: /# The agent's move\ncalls get_order_details\(/.test(userText(request)), explanation: 'looked the order up first' } }))
    .on('teacher:policy_check', () => ({ json: { conflict: false, clauses: [], explanation: 'fine' } }));
}

t.test('a transcript with tool calls: the teacher sees them as moves, the re-test offers the tools, the entry gets its tool condition', async (t) => {
  const { fake, run, entry, evidence } = await teacherSetup(t, {}, { fake: script(await FakeLlm.start(t)) });
  const job = await run({ kind: 'transcripts', transcripts: [transcript] });
  t.match(job, { status: 'done', progress: { done: 1, failed: 0, total: 1 } }, JSON.stringify(job.errors));

  const seen = userText(fake.requests.find((r) => r.schema === 'decision_points')!);
  t.match(seen, /\[1\] agent: Cancelling it now\.\ncalls cancel_pending_order\(\{"order_id":"W2378156","reason":"no longer needed"\}\) \[call_1\]/);
  t.match(seen, /\[2\] tool result of cancel_pending_order \[call_1\]: Error: non-pending order cannot be cancelled/);
  t.match(fake.requests.find((r) => r.schema === 'decision_points')!.messages[0]!.content, /A tool call is a move like any reply/, 'the v2 prompt');

  const retest = fake.requests.filter((r) => r.role === 'student');
  t.ok(retest.length > 0 && retest.every((r) => JSON.stringify(r.tools) === JSON.stringify(['get_order_details', 'cancel_pending_order'])), "the student is re-tested with the transcript's tools");
  t.same(retest[0]!.messages.slice(1), [transcript.messages[0]], 'in the state before the early call');

  const written = await entry(job.produced_entry_ids[0]);
  t.same(written.applies_when, { after_tools: [], before_tools: ['cancel_pending_order'] });
  t.match(written.provenance.prompts, { 'decision-points': 'decision-points.v2', write: 'write.v3' });
  const [proof] = (await evidence(written.id)).items;
  t.match(proof.evidence, {
    states: [
      {
        turn: 1,
        student_reply: 'Cancelling it now.\ncalls cancel_pending_order({"order_id":"W2378156","reason":"no longer needed"}) [call_1]',
        judgement: { kinds: ['tool_too_early', 'tool_wrong_arguments'] },
      },
    ],
    acceptance: { accepted: true, rounds: [{ lift: { passed_with: 5, passed_without: 0, retrieved: true } }] },
  });
  t.ok(POLICY.includes(VERIFY_CLAUSE));
});

t.test('transcript tool turns are checked like chat ones, naming the field', async (t) => {
  const { teach } = await teacherSetup(t);
  const broken = { ...transcript, messages: [transcript.messages[0], { role: 'tool', content: 'x' }, transcript.messages[3]] };
  const res = await teach({ kind: 'transcripts', transcripts: [broken] });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error.details[0].field, 'body.transcripts.0.messages.1.tool_call_id');
  const twice = await teach({ kind: 'transcripts', transcripts: [{ ...transcript, tools: [ORDER_TOOLS[0], ORDER_TOOLS[0]] }] });
  t.equal(twice.json().error.details[0].field, 'body.transcripts.0.tools.1.function.name');
});
