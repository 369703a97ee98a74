import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { sftFileProblems, sftProblems } from '../src/evaluation/sft-format.js';
import { projectRoot } from '../src/project-root.js';
import { taughtDesk, TAUGHT_SCENARIO, TEST_SCENARIOS } from './helpers/eval-desk.js';
import { FakeChatServer } from './helpers/fake-chat-tools.js';
import { POLICY, VERIFIED_REPLY } from './helpers/fake-llm.js';
import { taskFile, tasks } from './helpers/tau.js';

function exportSft(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/export-sft.ts', ...args], {
    cwd: projectRoot(),
    // Only what the test sets: no model endpoint of the developer's shell leaks in.
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

type Line = { messages: Record<string, unknown>[]; tools?: { function: { name: string } }[] };
const examples = async (file: string): Promise<Line[]> => {
  const text = await readFile(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
};

const call = (id: string, name = 'get_order', args = '{"order_id": "#W1"}') => ({ id, type: 'function', function: { name, arguments: args } });
const TOOLS = [{ type: 'function', function: { name: 'get_order', parameters: { type: 'object', properties: {} } } }];

t.test('the format check: roles, system first, tool results answering pending calls by id, the assistant last', async (t) => {
  const valid = {
    messages: [
      { role: 'system', content: 'policy' },
      { role: 'user', content: 'where is my order?' },
      { role: 'assistant', content: null, tool_calls: [call('c1'), call('c2')] },
      { role: 'tool', tool_call_id: 'c2', content: '{"status": "shipped"}' },
      { role: 'tool', tool_call_id: 'c1', content: '{"status": "shipped"}' },
      { role: 'assistant', content: 'It has shipped.', weight: 0 },
      { role: 'user', content: 'thanks' },
      { role: 'assistant', content: 'You are welcome.' },
    ],
    tools: TOOLS,
  };
  t.same(sftProblems(valid), []);
  t.same(sftProblems({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [call('c9')] }], tools: TOOLS }), [], 'a conversation may end on a tool call');
  const broken = (messages: unknown[], extra: object = {}) => sftProblems({ messages, tools: TOOLS, ...extra });
  const hi = { role: 'user', content: 'hi' };
  const ok = { role: 'assistant', content: 'ok' };
  t.match(broken([hi]), [/last message must be the assistant's/]);
  t.match(broken([hi, { ...ok, weight: 0 }]), [/weight 0: nothing to learn/]);
  t.match(broken([hi, { role: 'tool', tool_call_id: 'c1', content: 'x' }, ok]), [/follows no assistant tool call/]);
  t.match(broken([hi, { role: 'assistant', content: null, tool_calls: [call('c1')] }, { role: 'tool', tool_call_id: 'c7', content: 'x' }, ok]), [/"c7" answers no pending tool call/, /before tool call\(s\) c1 were answered/]);
  t.match(broken([hi, { role: 'assistant', content: null, tool_calls: [call('c1')] }, hi, ok]), [/comes before tool call\(s\) c1 were answered/]);
  t.match(broken([hi, { role: 'assistant', content: null, tool_calls: [call('c1', 'refund_everything')] }, { role: 'tool', tool_call_id: 'c1', content: 'x' }, ok]), [/refund_everything, which is not among the example's tools/]);
  t.match(sftProblems({ messages: [hi, { role: 'assistant', content: null, tool_calls: [call('c1')] }] }), [/has no "tools"/]);
  t.match(broken([hi, { role: 'assistant', content: null, tool_calls: [call('c1', 'get_order', '{not json')] }]), [/arguments is not JSON/]);
  t.match(broken([hi, { role: 'assistant', content: null }]), [/neither content nor tool_calls/]);
  t.match(broken([hi, { role: 'moderator', content: 'x' }, ok]), [/"moderator" is not system, user, assistant or tool/]);
  t.match(broken([hi, { role: 'system', content: 'late' }, ok]), [/system messages come before the conversation/]);
  t.match(broken([hi, { ...ok, weight: 2 }]), [/weight must be 0 or 1/]);
  t.match(sftProblems({ messages: [hi, ok], metadata: {} }), [/fields the format does not have: metadata/]);
  t.match(sftProblems({ messages: [] }), [/non-empty array/]);
  t.same(sftFileProblems(`${JSON.stringify(valid)}\nnot json\n${JSON.stringify({ messages: [hi] })}\n`), [
    { line: 2, problem: 'is not valid JSON' },
    { line: 3, problem: "the last message must be the assistant's, the reply to learn" },
  ]);
  t.same(sftFileProblems(''), [{ line: 0, problem: 'the file holds no example' }]);
});

t.test("from the teacher jobs' evidence: the state before each decision point and the teacher's reply in it", async (t) => {
  const d = await taughtDesk(t);
  const out = path.join(d.dir, 'sft.jsonl');
  const result = await exportSft(['--library', d.libraryId, '--out', out], d.env);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, `wrote 1 example(s), 1 teacher message(s) to learn, to ${out}`);
  t.same(sftFileProblems(await readFile(out, 'utf8')), [], 'every line is a valid example');
  const checked = await exportSft(['--check', out], {});
  t.equal(checked.code, 0, checked.stderr);
  t.match(checked.stdout, `${out}: every line is a valid example`);
  const edited = path.join(d.dir, 'edited.jsonl');
  await writeFile(edited, `${await readFile(out, 'utf8')}{"messages": [{"role": "user", "content": "hi"}]}\n`);
  const broken = await exportSft(['--check', edited], {});
  t.equal(broken.code, 1);
  t.equal(broken.stderr, `export:sft: ${edited} line 2: the last message must be the assistant's, the reply to learn\n`);
  const [example] = await examples(out);
  // The system message is the sft arm's own prompt: the policy composed as for the student alone.
  t.same(example!.messages, [
    { role: 'system', content: `# Firm policy (authoritative)\n<firm_policy>\n${POLICY}\n</firm_policy>` },
    { role: 'user', content: TAUGHT_SCENARIO.opening },
    { role: 'assistant', content: VERIFIED_REPLY },
  ]);

  const some = await exportSft(['--library', d.libraryId, '--jobs', `${d.jobId},00000000-0000-4000-8000-000000000000`, '--out', out], d.env);
  t.equal(some.code, 1, 'a job with nothing to export is reported');
  t.match(some.stderr, 'left out job 00000000-0000-4000-8000-000000000000: no entry of the library has evidence from this job');
  t.equal((await examples(out)).length, 1);
});

t.test('--scenarios: the teacher plays each scenario as the agent, served the policy alone; lines end on its last turn', async (t) => {
  const d = await taughtDesk(t);
  const file = await d.scenarios([TEST_SCENARIOS[0]!]);
  const out = path.join(d.dir, 'played.jsonl');
  // The teacher job that taught the desk also asked the teacher for its moves; only the export's count here.
  const before = d.fake.requests.length;
  const result = await exportSft(['--scenarios', file, '--library', d.libraryId, '--seeds', '2', '--out', out], d.env);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stderr, 'note: 1 of 1 scenarios did not build library', 'say when the sft arm would train on other data than coach');
  t.same(sftFileProblems(await readFile(out, 'utf8')), []);
  const lines = await examples(out);
  t.equal(lines.length, 2, 'one per scenario and seed');
  t.same(lines[0]!.messages.slice(1), [
    { role: 'user', content: TEST_SCENARIOS[0]!.opening },
    { role: 'assistant', content: VERIFIED_REPLY },
  ], "the customer's goodbye after the teacher's last turn is left out");
  const played = d.fake.requests.slice(before).filter((r) => r.role === 'teacher' && r.schema === '');
  t.same(played.map((r) => r.seed).sort(), [0, 1], 'the teacher as agent, seeded per conversation');

  const policy = path.join(d.dir, 'policy.md');
  await writeFile(policy, 'Be kind.');
  const offline = await exportSft(['--scenarios', file, '--policy', policy, '--out', out], { ...d.env, COACH_URL: 'http://127.0.0.1:9' });
  t.equal(offline.code, 0, offline.stderr);
  t.match((await examples(out))[0]!.messages[0], { role: 'system', content: /<firm_policy>\nBe kind\.\n<\/firm_policy>/ });

  const bad = await exportSft(['--scenarios', file, '--out', out], d.env);
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'export:sft: --scenarios needs the policy: --library ID or --policy FILE, one of them (see --help)');
  const unknown = await exportSft(['--scenarios', file, '--policy', policy, '--scenario-ids', 'nope', '--out', out], d.env);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, '--scenario-ids: nope not in the scenarios file');
});

t.test("--tau-tasks: the teacher as τ-bench's tool-calling agent, with the tools, its calls and the environment's answers", async (t) => {
  const cancel = (await tasks('retailDev')).find((task) => task.task_id === 0)!;
  const fake = await FakeChatServer.start(t, {
    // Cancels as the task asks on trial 0; on trial 1 looks the order up and stops there.
    teacher: (request) => {
      const acted = request.messages.some((m) => m.role === 'tool');
      if (!acted) return request.seed === 0 ? { calls: [{ name: cancel.actions[0]!.name, arguments: cancel.actions[0]!.kwargs }] } : { calls: [{ name: 'get_order_details', arguments: { order_id: '#W5442520' } }] };
      return { content: 'Your order is cancelled.' };
    },
    user: (request) => ({ content: request.messages.length <= 2 ? 'Please cancel my order #W5442520, I no longer need it.' : '###STOP###' }),
  });
  const dir = t.testdir();
  const out = path.join(dir, 'tau.jsonl');
  const env = { TEACHER_BASE_URL: fake.baseUrl, TEACHER_MODEL: 'teacher', CUSTOMER_BASE_URL: fake.baseUrl, CUSTOMER_MODEL: 'user' };
  const args = ['--tau-tasks', taskFile('retailDev'), '--domain', 'retail', '--task-ids', '0', '--trials', '2', '--out', out];
  const result = await exportSft(args, env);
  t.equal(result.code, 0, result.stderr);
  t.same(sftFileProblems(await readFile(out, 'utf8')), []);
  const lines = await examples(out);
  t.equal(lines.length, 2);
  t.ok(lines[0]!.tools!.some((tool) => tool.function.name === 'cancel_pending_order'), "the domain's tools go with each line");
  const [system, user, called, answered, said] = lines[0]!.messages;
  t.match(system, { role: 'system', content: /# Retail agent policy/ });
  t.match(user, { role: 'user', content: /cancel my order/ });
  t.match(called, { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'cancel_pending_order' } }] });
  t.match(answered, { role: 'tool', tool_call_id: (called as { tool_calls: { id: string }[] }).tool_calls[0]!.id, content: /"status": "cancelled"/ });
  t.same(said, { role: 'assistant', content: 'Your order is cancelled.' });
  t.equal(lines[0]!.messages.length, 5, "the user's ###STOP### is left out");

  const passed = await exportSft([...args, '--passed-only'], env);
  t.equal(passed.code, 0, passed.stderr);
  t.match(passed.stdout, 'wrote 1 example(s), 2 teacher message(s) to learn, to');
  t.match(passed.stdout, '1 trial(s) below reward 1 left out');
});
