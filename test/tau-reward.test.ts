import t from 'tap';
import { changedRecords } from '../src/evaluation/tau/changed-records.js';
import type { TauTask } from '../src/evaluation/tau/domain-data.js';
import { TauEnvironment } from '../src/evaluation/tau/environment.js';
import { jsonEqual } from '../src/evaluation/tau/json-values.js';
import { reward } from '../src/evaluation/tau/reward.js';
import { domainData, tasks } from './helpers/tau.js';

t.test('databases compare as upstream hashes them: dict keys in any order, lists in order', async (t) => {
  t.ok(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
  t.notOk(jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  t.notOk(jsonEqual({ a: 1 }, { a: 1, b: null }), 'a key set to null is a key');
  t.notOk(jsonEqual({ a: 0 }, { a: -0 }), 'Python prints 0.0 and -0.0 apart');
  t.notOk(jsonEqual({ a: '1' }, { a: 1 }));
});

t.test('required outputs: case-insensitive, commas dropped from the message but not the output', async (t) => {
  const data = await domainData('airline');
  const task: TauTask = { task_id: 1, user_id: 'x', instruction: '', actions: [], outputs: ['1000', 'HAT001'] };
  const env = new TauEnvironment(data);
  env.respond('The total is $1,000 on flight hat001.');
  t.same(reward(env, task), { reward: 1, data_matches: true, outputs: { '1000': true, HAT001: true } });
  const withComma = reward(env, { ...task, outputs: ['1,000'] });
  t.same([withComma.reward, withComma.outputs], [0, { '1,000': false }], 'as upstream, an output with a comma can never be found');
  const split = new TauEnvironment(data);
  split.respond('The total is 1000.');
  split.respond('Your flight is HAT001.');
  t.equal(reward(split, task).reward, 1, 'each output may be in a different message');
  const toolOnly = new TauEnvironment(data);
  toolOnly.callTool('calculate', { expression: '1000' });
  t.equal(reward(toolOnly, task).reward, 0, 'tool results are not messages');
});

t.test('reaching the gold database by any path earns 1; another cancellation reason does not', async (t) => {
  const data = await domainData('retail');
  const task = (await tasks('retailDev')).find((candidate) => candidate.task_id === 0)!;
  const env = new TauEnvironment(data);
  env.callTool('get_order_details', { order_id: '#W5442520' });
  env.callTool('cancel_pending_order', { order_id: '#W5442520', reason: 'ordered by mistake' });
  t.equal(reward(env, task).reward, 0);
  const direct = new TauEnvironment(data);
  direct.callTool('find_user_id_by_name_zip', { first_name: 'Olivia', last_name: 'Ito', zip: '80218' });
  direct.callTool('cancel_pending_order', { order_id: '#W5442520', reason: 'no longer needed' });
  t.equal(reward(direct, task).reward, 1, 'read-only calls change nothing');
  t.same(changedRecords(data.db, direct.db), { orders: ['#W5442520'], products: [], users: [] });
});

t.test('changed records: per table, sorted, counting added and removed records', async (t) => {
  const before = { orders: { b: { s: 1 }, a: { s: 1 }, c: { s: 1 } }, users: { u: { n: [1] } } };
  const after = { orders: { c: { s: 2 }, a: { s: 2 }, d: { s: 1 } }, users: { u: { n: [1] } } };
  t.same(changedRecords(before, after), { orders: ['a', 'b', 'c', 'd'], users: [] });
});
