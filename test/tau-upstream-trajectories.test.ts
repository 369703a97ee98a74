import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { TauTask } from '../src/evaluation/tau/domain-data.js';
import { TauEnvironment } from '../src/evaluation/tau/environment.js';
import { jsonEqual } from '../src/evaluation/tau/json-values.js';
import { reward } from '../src/evaluation/tau/reward.js';
import { domainData, tauDataDir } from './helpers/tau.js';

interface Trajectory {
  task_id: number;
  trial: number;
  reward: number;
  info: { task: Omit<TauTask, 'task_id'>; reward_info?: unknown };
  traj: { role: string; content: string | null; name?: string; tool_calls?: { function: { name: string; arguments: string } }[] }[];
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Upstream recorded 100 gpt-4o conversations on the airline dev tasks, with every tool result its
 * Python tools gave and every reward. Replaying the same tool calls here must give the same results
 * and rewards. Since they were recorded, upstream renamed the users' address field "province" to
 * "state" (in the data, not the tools), and this database is stored with sorted keys, so JSON
 * results are compared as values.
 */
t.test('the 100 recorded upstream airline trajectories: same tool results, same rewards', async (t) => {
  const data = await domainData('airline');
  const file = path.join(tauDataDir(), 'derived', 'trajectories_airline_gpt-4o_dev_even.json');
  const { trajectories } = JSON.parse(await readFile(file, 'utf8')) as { trajectories: Trajectory[] };
  t.equal(trajectories.length, 100);
  const calls: Record<string, number> = {};
  const mismatches: string[] = [];
  for (const trajectory of trajectories) {
    const env = new TauEnvironment(data);
    trajectory.traj.forEach((message, i) => {
      if (message.role !== 'assistant') return;
      const call = message.tool_calls?.[0];
      if (call === undefined) return env.respond(message.content ?? '');
      const { observation } = env.callTool(call.function.name, JSON.parse(call.function.arguments));
      const recorded = trajectory.traj[i + 1]!.content!.replaceAll('"province": ', '"state": ');
      const ours = parsed(observation);
      const theirs = parsed(recorded);
      const same = ours !== undefined && theirs !== undefined ? jsonEqual(ours, theirs) : observation === recorded;
      calls[call.function.name] = (calls[call.function.name] ?? 0) + 1;
      if (!same) mismatches.push(`task ${trajectory.task_id} trial ${trajectory.trial} ${call.function.name}(${call.function.arguments}): ${observation.slice(0, 200)} ≠ ${recorded.slice(0, 200)}`);
    });
    // A conversation that ran out of steps was never scored upstream (reward 0, no reward_info).
    const finished = trajectory.info.reward_info != null;
    const ours = finished ? reward(env, { ...trajectory.info.task, task_id: trajectory.task_id }).reward : 0;
    t.equal(ours, trajectory.reward, `reward of task ${trajectory.task_id} trial ${trajectory.trial}`);
  }
  t.same(mismatches, [], 'every tool result as upstream gave it');
  t.same(calls, {
    get_user_details: 61,
    search_direct_flight: 74,
    search_onestop_flight: 12,
    calculate: 38,
    book_reservation: 30,
    think: 41,
    get_reservation_details: 198,
    update_reservation_flights: 44,
    transfer_to_human_agents: 29,
    list_all_airports: 1,
    update_reservation_baggages: 8,
    cancel_reservation: 36,
    send_certificate: 5,
  });
});
