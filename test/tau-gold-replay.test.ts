import t from 'tap';
import type { DomainData, TauTask } from '../src/evaluation/tau/domain-data.js';
import { TauEnvironment } from '../src/evaluation/tau/environment.js';
import { replayGold } from '../src/evaluation/tau/gold-agent.js';
import { reward } from '../src/evaluation/tau/reward.js';
import { domainData, tasks } from './helpers/tau.js';

// 545 replays, each on a fresh copy of a domain's database: minutes on a busy 2-core machine.
t.setTimeout(600_000);

/** Every id a task's gold actions name (order, reservation, user ids), the only records they may change. */
function namedIds(task: TauTask): Set<string> {
  const ids = new Set<string>([task.user_id, 'HATHAT', 'HATHAU', 'HATHAV']);
  for (const action of task.actions) for (const value of Object.values(action.kwargs)) if (typeof value === 'string') ids.add(value);
  return ids;
}

function replayAll(data: DomainData, list: TauTask[]) {
  return list.map((task) => {
    const { line, detail } = replayGold(data, task);
    const named = namedIds(task);
    const stray = Object.values(line.changed).flat().filter((id) => !named.has(id));
    return { task, result: line, outputs: detail.outputs, stray };
  });
}

const summary = (rows: ReturnType<typeof replayAll>) => ({
  tasks: rows.length,
  reward: rows.reduce((sum, r) => sum + r.result.reward, 0),
  tool_errors: rows.reduce((sum, r) => sum + r.result.tool_errors, 0),
});

t.test('retail dev: every gold action succeeds and the gold agent earns 1 on all 20 tasks', async (t) => {
  const data = await domainData('retail');
  const rows = replayAll(data, await tasks('retailDev'));
  t.same(summary(rows), { tasks: 20, reward: 20, tool_errors: 0 });
  t.same(rows.flatMap((r) => r.stray), [], 'only the records the actions name change');
  for (const { task, result } of rows) {
    const changedSomething = Object.values(result.changed).some((ids) => ids.length > 0);
    t.equal(reward(new TauEnvironment(data), task).reward, changedSomething ? 0 : 1, `doing nothing on task ${task.task_id} earns 1 only if the gold actions change nothing`);
  }
});

t.test('airline dev (even ids): every gold action succeeds and the gold agent earns 1 on all 25 tasks', async (t) => {
  const data = await domainData('airline');
  const rows = replayAll(data, await tasks('airlineDev'));
  t.same(summary(rows), { tasks: 25, reward: 25, tool_errors: 0 });
  t.same(rows.flatMap((r) => r.stray), []);
  t.same([...new Set(rows.flatMap((r) => r.result.changed.flights))], [], 'no action changes a flight');
  const withOutputs = rows.filter((r) => r.task.outputs.length > 0);
  t.same(
    withOutputs.map((r) => [r.task.task_id, r.outputs]),
    [
      [2, { '23553': true }],
      [8, { '327': true, '1000': true, '1786': true }],
      [44, { '4': true }],
    ],
    'the required outputs are found in the last message',
  );
  for (const { task, result } of rows) {
    const changedSomething = Object.values(result.changed).some((ids) => ids.length > 0);
    const silent = reward(new TauEnvironment(data), task).reward;
    t.equal(silent, changedSomething || task.outputs.length > 0 ? 0 : 1, `doing nothing on task ${task.task_id}`);
  }
});

/**
 * The synthetic training tasks were generated without checking gift-card balances: in these 19
 * the gold action pays with a gift card holding less than it must cover, which the tools refuse
 * (as the policy requires and upstream does). The refused action leaves the database as it is in
 * the gold replay too, so the reward is still 1.
 */
const UNDERFUNDED_GIFT_CARD_TASKS = [24, 27, 81, 148, 161, 214, 229, 252, 253, 288, 314, 349, 351, 369, 376, 427, 431, 441, 469];

t.test('retail train: the gold agent earns 1 on all 500 tasks; the only refusals are underfunded gift cards', async (t) => {
  const data = await domainData('retail');
  const rows = replayAll(data, await tasks('retailTrain'));
  t.same(summary(rows), { tasks: 500, reward: 500, tool_errors: 20 });
  t.same(rows.flatMap((r) => r.stray), []);
  t.same(
    rows.filter((r) => r.result.tool_errors > 0).map((r) => r.task.task_id),
    UNDERFUNDED_GIFT_CARD_TASKS,
  );
  const refusals = new Set<string>();
  for (const { task } of rows.filter((r) => r.result.tool_errors > 0)) {
    const env = new TauEnvironment(data);
    for (const action of task.actions) {
      const { observation, error } = env.callTool(action.name, action.kwargs);
      if (error) refusals.add(observation);
    }
  }
  t.same([...refusals].sort(), [
    'Error: insufficient gift card balance to pay for the new item',
    'Error: insufficient gift card balance to pay for the order',
    'Error: insufficient gift card balance to pay for the price difference',
  ]);
});
