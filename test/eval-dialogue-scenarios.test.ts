import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { SeededChatModel } from '../src/evaluation/seeded-model.js';
import { loadScenarios } from '../src/evaluation/scenario-sources.js';
import { ScenarioFormatError, toSimulatorScenario } from '../src/evaluation/scenarios.js';
import { enforceSplit, trainingSourceIds, TrainTestOverlapError } from '../src/evaluation/split.js';
import { FakeOpenAI } from './helpers/fake-openai.js';

const TAU = {
  source: { repo: 'sierra-research/tau-bench' },
  tasks: [
    {
      user_id: 'olivia_ito_3591',
      instruction: 'Your name is Olivia Ito and your zip code is 80218. You want to cancel order #W5442520 and get a full refund.',
      actions: [{ name: 'cancel_pending_order', kwargs: { order_id: '#W5442520', reason: 'no longer needed' } }],
      task_id: 0,
      domain: 'retail',
      upstream_split: 'dev',
    },
    { user_id: 'x', instruction: 'You only want to know your order status.', actions: [], task_id: 1, domain: 'retail', upstream_split: 'dev' },
  ],
};

const ABCD = [
  {
    uid: 'abcd-dev-0000',
    intent: 'recover_username',
    guideline: { flow: 'Account Access', subflow: 'Recover Username' },
    kb_actions: ['pull-up-account', 'verify-identity'],
    exclude_recommended: false,
    turns: [
      { turn: 0, speaker: 'agent', text: 'Hello. How may I help you today?' },
      { turn: 1, speaker: 'customer', text: "I can't remember my username." },
      { turn: 2, speaker: 'agent', text: 'What is your name and email address?' },
      { turn: 3, speaker: 'customer', text: 'David Williams' },
      { turn: 4, speaker: 'action', text: 'Account has been pulled up for David Williams.', button: 'pull-up-account' },
    ],
  },
  { uid: 'abcd-dev-0001', intent: 'refund_status', exclude_recommended: true, turns: [{ turn: 0, speaker: 'customer', text: 'refund?' }] },
];

async function file(dir: string, name: string, content: string): Promise<string> {
  const at = path.join(dir, name);
  await writeFile(at, content);
  return at;
}

t.test('τ-bench tasks: stable ids, the instruction as goal and knowledge, gold actions as policy facts', async (t) => {
  const dir = t.testdir();
  const tau = await file(dir, 'tasks.json', JSON.stringify(TAU));
  for (const spec of [tau, `tau:${tau}`]) {
    const scenarios = await loadScenarios(spec);
    t.same(scenarios[0], {
      id: 'tau-retail-dev-0',
      hidden_goal: TAU.tasks[0]!.instruction,
      known_info: TAU.tasks[0]!.instruction,
      policy_facts: ['A correct agent ends up doing: cancel_pending_order(order_id=#W5442520, reason=no longer needed)'],
    });
    t.match(scenarios[1]!.policy_facts[0], /No write action/);
  }
});

t.test('ABCD conversations: intent as goal, customer turns as knowledge, the first one opens, required buttons as facts', async (t) => {
  const dir = t.testdir();
  const abcd = await file(dir, 'abcd.jsonl', ABCD.map((c) => JSON.stringify(c)).join('\n') + '\n');
  for (const spec of [abcd, `abcd:${abcd}`]) {
    const scenarios = await loadScenarios(spec);
    t.equal(scenarios.length, 1, 'records ABCD excludes are left out');
    t.same(scenarios[0], {
      id: 'abcd-dev-0000',
      hidden_goal: 'You contacted support about: Recover Username (Account Access). Get it resolved.',
      known_info: "I can't remember my username.\nDavid Williams",
      policy_facts: ['The guidelines for "Recover Username" apply.', 'Required step 1: pull up account', 'Required step 2: verify identity'],
      opening: "I can't remember my username.",
    });
  }
});

t.test('native JSONL, checked field by field', async (t) => {
  const dir = t.testdir();
  const one = { id: 's1', hidden_goal: 'cancel', known_info: 'order 1', policy_facts: ['verify first'] };
  t.same(await loadScenarios(await file(dir, 'one.jsonl', JSON.stringify(one) + '\n')), [{ ...one, persona: undefined, opening: undefined }], 'a one-line file is not mistaken for τ-bench');
  await t.rejects(loadScenarios(await file(dir, 'dup.jsonl', `${JSON.stringify(one)}\n${JSON.stringify(one)}\n`)), /"s1" occurs more than once/);
  await t.rejects(loadScenarios(await file(dir, 'bad.jsonl', `${JSON.stringify({ ...one, hidden_goal: '' })}\n`)), ScenarioFormatError);
  await t.rejects(loadScenarios(await file(dir, 'facts.jsonl', `${JSON.stringify({ ...one, policy_facts: 'x' })}\n`)), /policy_facts/);
  await t.rejects(loadScenarios(await file(dir, 'torn.jsonl', '{"id":\n')), /line 1.*not valid JSON/);
  await t.rejects(loadScenarios(await file(dir, 'empty.jsonl', '\n')), /holds no scenarios/);
});

t.test('the simulator gets the goal and what the customer may tell, never the policy facts', async (t) => {
  const scenario = toSimulatorScenario({ id: 's', hidden_goal: 'get a refund', known_info: 'order 7', persona: 'calm', policy_facts: ['no refund after 30 days'], opening: 'hi' });
  t.same(scenario, { id: 's', description: 'Things you know and can tell the agent when asked:\norder 7', customer_goal: 'get a refund', persona: 'calm', opening: 'hi' });
  t.notMatch(JSON.stringify(scenario), /30 days/);
});

t.test('training ids come from every provenance field teachers and importers use', async (t) => {
  const ids = trainingSourceIds([{ source: 'teacher', source_id: 'a' }, { transcript_id: 'b' }, { scenario_id: 'c', source_ids: ['d', 7] }, { source: 'api' }]);
  t.same([...ids].sort(), ['a', 'b', 'c', 'd']);
  const scenarios = ['a', 'x'].map((id) => ({ id, hidden_goal: 'g', known_info: 'k', policy_facts: [] }));
  t.throws(() => enforceSplit(scenarios, ids, false), TrainTestOverlapError);
  t.same(enforceSplit(scenarios, ids, true), ['a']);
  t.same(enforceSplit(scenarios.slice(1), ids, false), []);
});

t.test('a seeded model sends the seed with every call; explicit params still win', async (t) => {
  const fake = await FakeOpenAI.start(t);
  const model = new SeededChatModel('customer', { baseUrl: fake.baseUrl, model: 'm', apiKey: 'k', timeoutMs: 5000, maxRetries: 0 }, 42);
  await model.complete([{ role: 'user', content: 'hi' }]);
  await model.complete([{ role: 'user', content: 'hi' }], { seed: 7, temperature: 0 });
  t.equal(fake.requests[0]!.body.seed, 42);
  t.equal(fake.requests[1]!.body.seed, 7);
  t.equal(fake.requests[1]!.body.temperature, 0);
});
