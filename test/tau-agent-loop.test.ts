import t from 'tap';
import type { Test } from 'tap';
import type { ModelEndpointConfig } from '../src/config.js';
import { ChatModel } from '../src/models/chat-model.js';
import { OpenAIAgent } from '../src/evaluation/tau/agent-model.js';
import type { TauTask } from '../src/evaluation/tau/domain-data.js';
import { passHatK, passHatKs } from '../src/evaluation/tau/pass-hat-k.js';
import { runTrials } from '../src/evaluation/tau/run-trials.js';
import { loadUserPrompt, SimulatedUser } from '../src/evaluation/tau/simulated-user.js';
import { runTrial } from '../src/evaluation/tau/trial.js';
import { FakeChatServer, type ChatHandler, type ChatRequest, type ChatReply, type ScriptedCall } from './helpers/fake-chat-tools.js';
import { domainData, tasks } from './helpers/tau.js';

const AGENT = 'agent-model';
const USER = 'user-model';
const GREETING = 'Hi! How can I help you today?';

const endpoint = (fake: FakeChatServer, model: string): ModelEndpointConfig => ({ baseUrl: fake.baseUrl, model, apiKey: 'fake', timeoutMs: 5000, maxRetries: 0 });

/** The user names its task in its opening (so a scripted agent knows it) and stops after the agent's first message. */
function scriptedUser(list: TauTask[]): ChatHandler {
  return (request) => {
    const last = request.messages.at(-1)!.content;
    if (last !== GREETING) return { content: 'Thanks, that is all. ###STOP###' };
    const task = list.find((candidate) => request.messages[0]!.content!.includes(candidate.instruction))!;
    return { content: `Hello, this is about task ${task.task_id}.` };
  };
}

type Behaviour = (task: TauTask, request: ChatRequest) => ChatReply;

const taskOf = (list: TauTask[], request: ChatRequest) => list.find((task) => request.messages[1]!.content === `Hello, this is about task ${task.task_id}.`)!;
const toolResults = (request: ChatRequest) => request.messages.filter((m) => m.role === 'tool').length;

/** Makes the task's gold calls one per step (arguments rewritten by `change`), then states the outputs. */
const gold =
  (change: (call: ScriptedCall) => ScriptedCall = (call) => call, finalText = (task: TauTask) => task.outputs.join(', ') || 'All done.'): Behaviour =>
  (task, request) => {
    const done = toolResults(request);
    const action = task.actions[done];
    return action === undefined ? { content: finalText(task) } : { calls: [change({ name: action.name, arguments: action.kwargs })] };
  };

const nothing: Behaviour = () => ({ content: 'Sorry, I cannot help with that.' });

async function desk(t: Test, domain: 'retail' | 'airline', list: TauTask[], behaviour: (seed: number) => Behaviour) {
  const fake = await FakeChatServer.start(t, {
    [AGENT]: (request) => behaviour(request.seed!)(taskOf(list, request), request),
    [USER]: scriptedUser(list),
  });
  const data = await domainData(domain);
  const agent = new OpenAIAgent(endpoint(fake, AGENT), 0);
  const user = (task: TauTask) => new SimulatedUser(new ChatModel('customer', endpoint(fake, USER)), loadUserPrompt(), task.instruction);
  const trial = (task: TauTask, seed = 0, maxSteps?: number) => runTrial({ data, task, trial: seed, agent, user: user(task), maxSteps });
  return { fake, data, agent, trial };
}

const retail = await tasks('retailDev');
const airline = await tasks('airlineDev');
const byId = (list: TauTask[], id: number) => list.find((task) => task.task_id === id)!;
/** Retail dev 0: cancel #W5442520 because it is no longer needed. */
const CANCEL = byId(retail, 0);

t.test('an agent that makes the gold calls through tool_calls earns 1; the conversation is upstream-shaped', async (t) => {
  const { fake, data, trial } = await desk(t, 'retail', retail, () => gold());
  const result = await trial(CANCEL, 3);
  t.equal(result.reward, 1);
  t.same([result.ended, result.steps, result.actions, result.tool_errors], ['user_stop', 2, 1, 0]);
  t.same(result.changed, { orders: ['#W5442520'], products: [], users: [] });

  const [first, second] = fake.of(AGENT);
  t.equal(first!.messages[0]!.content, data.policy, 'the policy is the system prompt');
  t.same(first!.tools, data.tools, 'the tools exactly as upstream gives them');
  t.equal(first!.temperature, 0);
  t.equal(first!.seed, 3, 'seeded by the trial');
  const [call, observation] = second!.messages.slice(-2);
  t.equal(call!.tool_calls![0]!.function.name, 'cancel_pending_order');
  t.equal(observation!.role, 'tool');
  t.equal(observation!.tool_call_id, call!.tool_calls![0]!.id);
  t.equal(JSON.parse(observation!.content!).status, 'cancelled', 'the tool result is fed back');

  const [opening, closing] = fake.of(USER);
  t.match(opening!.messages[0]!.content, `Instruction: ${CANCEL.instruction}`);
  t.match(opening!.messages[0]!.content, /generate '###STOP###' as a standalone message/);
  t.same(opening!.messages.slice(1), [{ role: 'user', content: GREETING }]);
  t.same(closing!.messages.at(-1), { role: 'user', content: 'All done.' }, "the agent's words are the user model's user turns");

  t.same(
    result.messages.map((m) => m.role),
    ['system', 'user', 'assistant', 'tool', 'assistant', 'user'],
  );
  t.same(result.usage, { agent: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 }, user: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 } });
});

t.test('an agent that does nothing earns 0', async (t) => {
  const { trial } = await desk(t, 'retail', retail, () => nothing);
  const result = await trial(CANCEL);
  t.same([result.reward, result.data_matches, result.actions, result.ended], [0, false, 0, 'user_stop']);
  t.same(result.changed, { orders: [], products: [], users: [] });
});

t.test('a wrong argument earns 0, whether the tool accepts it or refuses it', async (t) => {
  const reason = await desk(t, 'retail', retail, () => gold((call) => ({ ...call, arguments: { ...(call.arguments as object), reason: 'ordered by mistake' } })));
  const accepted = await reason.trial(CANCEL);
  t.same([accepted.reward, accepted.data_matches, accepted.tool_errors], [0, false, 0], 'a valid but wrong cancellation reason');
  t.same(accepted.changed.orders, ['#W5442520'], 'it did change the order, differently');

  const order = await desk(t, 'retail', retail, () => gold((call) => ({ ...call, arguments: { ...(call.arguments as object), order_id: 'W5442520' } })));
  const refused = await order.trial(CANCEL);
  t.same([refused.reward, refused.tool_errors], [0, 1]);
  t.match(refused.messages.find((m) => m.role === 'tool')!.content, 'Error: order not found');
});

t.test('required outputs: the right database is not enough if the agent never says them', async (t) => {
  const counting = byId(airline, 44);
  t.same(counting.outputs, ['4']);
  const says = await desk(t, 'airline', airline, () => gold());
  t.equal((await says.trial(counting)).reward, 1);
  const silent = await desk(t, 'airline', airline, () => gold(undefined, () => 'Here you go.'));
  const result = await silent.trial(counting);
  t.same([result.reward, result.data_matches, result.outputs], [0, true, { '4': false }]);
});

t.test('a transfer ends the conversation; running out of steps scores 0 as upstream does', async (t) => {
  const transfer = byId(airline, 38);
  t.same(transfer.actions.map((a) => a.name), ['transfer_to_human_agents']);
  const { fake, trial } = await desk(t, 'airline', airline, () => gold());
  const transferred = await trial(transfer);
  t.same([transferred.reward, transferred.ended, transferred.steps], [1, 'transfer', 1]);
  t.equal(fake.of(USER).length, 1, 'the user only opened');

  const nothingToDo = byId(retail, 17);
  t.same(nothingToDo.actions, []);
  const thinker = await desk(t, 'retail', retail, () => () => ({ calls: [{ name: 'think', arguments: { thought: 'hmm' } }] }));
  const exhausted = await thinker.trial(nothingToDo, 0, 4);
  t.same([exhausted.ended, exhausted.steps, exhausted.data_matches, exhausted.reward], ['max_steps', 4, true, 0]);
});

t.test('only the first of several tool calls runs, and only it stays in the history; bad JSON is an error text', async (t) => {
  const { fake, trial } = await desk(t, 'retail', retail, () => (task, request) => {
    if (toolResults(request) === 0) {
      return {
        calls: [
          { name: 'get_order_details', arguments: { order_id: '#W5442520' } },
          { name: 'cancel_pending_order', arguments: { order_id: '#W5442520', reason: 'no longer needed' } },
        ],
      };
    }
    if (toolResults(request) === 1) return { calls: [{ name: 'get_order_details', arguments: '{"order_id": ' }] };
    return nothing(task, request);
  });
  const result = await trial(CANCEL);
  t.same([result.actions, result.tool_errors, result.changed.orders], [2, 1, []]);
  const third = fake.of(AGENT)[2]!;
  const calls = third.messages.filter((m) => m.role === 'assistant').map((m) => m.tool_calls?.map((c) => c.function.name));
  t.same(calls, [['get_order_details'], ['get_order_details']]);
  t.equal(third.messages.at(-1)!.content, 'Error: the arguments of get_order_details must be a JSON object');
});

t.test('pass^k over planted trials equals the hand computation', async (t) => {
  // Task 0 succeeds on trials 0, 1 and 2 of 4; task 1 on trial 0 only.
  const planted = [CANCEL, byId(retail, 1)];
  const succeeds = (task: TauTask, seed: number) => (task.task_id === 0 ? seed < 3 : seed === 0);
  const { fake, data, agent } = await desk(t, 'retail', planted, (seed) => (task, request) => (succeeds(task, seed) ? gold() : nothing)(task, request));
  const finished: number[] = [];
  const { results, failures } = await runTrials({
    data,
    tasks: planted,
    trials: 4,
    agent,
    userModel: () => new ChatModel('customer', endpoint(fake, USER)),
    userPrompt: loadUserPrompt(),
    concurrency: 2,
    onResult: (r) => finished.push(r.task_id),
  });
  t.same(failures, []);
  t.equal(finished.length, 8);
  t.same(
    results.map((r) => [r.task_id, r.trial, r.reward]),
    [
      [0, 0, 1],
      [0, 1, 1],
      [0, 2, 1],
      [0, 3, 0],
      [1, 0, 1],
      [1, 1, 0],
      [1, 2, 0],
      [1, 3, 0],
    ],
  );
  // pass^k = mean over tasks of C(c, k) / C(4, k), with c = 3 and c = 1.
  t.same(passHatKs(results), { 'pass^1': (3 / 4 + 1 / 4) / 2, 'pass^2': (3 / 6 + 0) / 2, 'pass^3': (1 / 4 + 0) / 2, 'pass^4': 0 });
  t.equal(passHatK(results, 2), 0.25);
  t.throws(() => passHatK(results, 5), /pass\^5 needs at least 5 trials per task; task 0 has 4/);
});

t.test('a trial whose model fails is a failure, not a reward of 0', async (t) => {
  const data = await domainData('retail');
  const broken = await FakeChatServer.start(t, { [AGENT]: () => ({ status: 500 }), [USER]: scriptedUser(retail) });
  const { results, failures } = await runTrials({
    data,
    tasks: [CANCEL],
    trials: 1,
    agent: new OpenAIAgent(endpoint(broken, AGENT), 0),
    userModel: () => new ChatModel('customer', endpoint(broken, USER)),
    userPrompt: loadUserPrompt(),
    concurrency: 1,
  });
  t.same(results, []);
  t.equal(failures.length, 1);
  t.match(failures[0], { task_id: 0, trial: 0, error: /the student model agent-model answered 500/ });
});
