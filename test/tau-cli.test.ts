import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { projectRoot } from '../src/project-root.js';
import { FakeChatServer } from './helpers/fake-chat-tools.js';
import { taskFile, tasks, tauDataDir } from './helpers/tau.js';

/** The command as a user runs it, asynchronously, so a fake model server in this process can answer it. */
function evalTau(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/eval-tau.ts', ...args], {
      cwd: projectRoot(),
      // Only what the test sets: no model endpoint of the developer's shell leaks in.
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lines = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

t.test('gold check: one line per task with reward, tool errors, actions and changed ids; exit 0', async (t) => {
  const out = t.testdir();
  const run = await evalTau(['--domain', 'airline', '--tasks', taskFile('airlineDev'), '--agent', 'gold', '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /^tasks: 25, reward mean: 1\.000, tool errors: 0$/m);
  const results = await lines(path.join(out, 'results.jsonl'));
  t.equal(results.length, 25);
  t.ok(results.every((r) => Object.keys(r).join() === 'task_id,reward,tool_errors,actions,changed'));
  t.same(results[0], { task_id: 0, reward: 1, tool_errors: 0, actions: 1, changed: { flights: [], reservations: ['HATHAT'], users: ['mia_li_3668'] } });
  t.same(
    results.map((r) => r.task_id),
    (await tasks('airlineDev')).map((task) => task.task_id),
  );
  t.match(JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')), { domain: 'airline', agent: 'gold', tasks: 25, reward_mean: 1, tool_errors: 0 });
});

t.test('gold check of a task whose gold action fails: exit 1, the failure named', async (t) => {
  const out = t.testdir();
  const file = path.join(out, 'tasks.json');
  const retail = await tasks('retailDev');
  // Upstream's own task lists carry no ids; the second task is task 1 by position.
  const broken = { instruction: 'Cancel the processed order.', actions: [{ name: 'cancel_pending_order', kwargs: { order_id: '#W1770559', reason: 'no longer needed' } }], outputs: [] };
  await writeFile(file, JSON.stringify([retail[0], broken]));
  const run = await evalTau(['--domain', 'retail', '--tasks', file, '--data', tauDataDir(), '--agent', 'gold', '--out', out]);
  t.equal(run.code, 1);
  t.match(run.stderr, 'task 1: reward 1; cancel_pending_order: Error: non-pending order cannot be cancelled');
  t.match(run.stdout, 'tasks: 2, reward mean: 1.000, tool errors: 1');
  const [, line] = await lines(path.join(out, 'results.jsonl'));
  t.same(line, { task_id: 1, reward: 1, tool_errors: 1, actions: 1, changed: { orders: [], products: [], users: [] } });
});

t.test('--help, and usage or data errors exit 2 with a message', async (t) => {
  const help = await evalTau(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: npm run eval:tau -- --domain retail\|airline --tasks FILE \[--agent gold \| --arms LIST\]/);
  const retailDev = taskFile('retailDev');
  const cases: [string[], RegExp][] = [
    [['--tasks', retailDev, '--agent', 'gold'], /--domain must be one of retail, airline/],
    [['--domain', 'retail', '--agent', 'gold'], /--tasks is required/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'model'], /--agent must be gold \(the arms are --arms\), got "model"/],
    [['--domain', 'retail', '--tasks', retailDev, '--arms', 'student,tutor'], /unknown arm "tutor"; arms are student, generic, coach, teacher, sft/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'gold', '--arms', 'student'], /--arms apply to the arms; the gold replay is deterministic/],
    [['--domain', 'retail', '--tasks', retailDev, '--sft-model', 'm'], /--sft-base-url and --sft-model go together/],
    [['--domain', 'airline', '--tasks', retailDev, '--agent', 'gold'], /is a retail task, not airline: pass --domain retail/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'gold', '--trials', '3'], /--trials apply to the arms/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'gold', '--task-ids', '0,999'], /--task-ids 999 not in/],
    [['--domain', 'retail', '--tasks', '/nonexistent/tasks.json', '--data', tauDataDir(), '--agent', 'gold'], /cannot read task file \/nonexistent\/tasks\.json: ENOENT/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'gold', '--data', '/nonexistent'], /cannot read database \/nonexistent\/env\/retail\/db\.json: ENOENT/],
    [['--domain', 'retail', '--tasks', retailDev, '--arms', 'student'], /the arms need a simulated user: CUSTOMER_BASE_URL and CUSTOMER_MODEL/],
    [['--domain', 'retail', '--tasks', retailDev, '--agent', 'gold', '--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const run = await evalTau(args);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, message);
  }
});

t.test('an arm run: the student at STUDENT_*, trials per task, reward and pass^k; a rerun plays only what is missing', async (t) => {
  const retail = await tasks('retailDev');
  const cancel = retail.find((task) => task.task_id === 0)!;
  // Succeeds on trial 0 only: cancels as the task asks, then says so; on other seeds just talks.
  const fake = await FakeChatServer.start(t, {
    agent: (request) => {
      const acted = request.messages.some((m) => m.role === 'tool');
      if (request.seed === 0 && !acted) return { calls: [{ name: cancel.actions[0]!.name, arguments: cancel.actions[0]!.kwargs }] };
      return { content: 'Anything else?' };
    },
    user: (request) => ({ content: request.messages.length <= 2 ? 'Please cancel my order #W5442520, I no longer need it.' : '###STOP###' }),
  });
  const out = t.testdir();
  const env = { STUDENT_BASE_URL: fake.baseUrl, STUDENT_MODEL: 'agent', CUSTOMER_BASE_URL: fake.baseUrl, CUSTOMER_MODEL: 'user' };
  const args = (trials: string) => ['--domain', 'retail', '--tasks', taskFile('retailDev'), '--task-ids', '0', '--arms', 'student', '--trials', trials, '--out', out];
  const first = await evalTau(args('1'), env);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, 'student: tasks: 1, trials: 1/1, reward mean: 1.000, tool errors: 0, pass^1: 1.000');
  t.equal(fake.of('agent').length, 2, 'trial 0: the cancellation, then the closing words');

  const run = await evalTau(args('2'), env);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, 'student: tasks: 1, trials: 2/2, reward mean: 0.500, tool errors: 0, pass^1: 0.500, pass^2: 0.000');
  // stderr is a pipe here: progress lines, not a line per trial. Trial 1: 1 agent and 2 user calls.
  t.match(run.stderr, 'trials: 1 to do of 2 (1 already done)\ntrials: 2/2 done, 0 failed, finished, 330 tokens\n');
  t.equal(fake.of('agent').length, 3, 'only trial 1 was played again');
  const results = (await lines(path.join(out, 'results.jsonl'))).sort((a, b) => (a.trial as number) - (b.trial as number));
  t.same(
    results.map((r) => [r.arm, r.task_id, r.trial, r.reward, r.ended, r.changed]),
    [
      ['student', 0, 0, 1, 'user_stop', { orders: ['#W5442520'], products: [], users: [] }],
      ['student', 0, 1, 0, 'user_stop', { orders: [], products: [], users: [] }],
    ],
  );
  t.same(results[0]!.usage, { agent: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 }, user: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 } });
  t.equal(results[0]!.agent_model, 'agent');
  t.match(fake.of('agent')[0]!.messages[0]!.content, /^# Firm policy \(authoritative\)\n<firm_policy>\n# Retail agent policy/, 'the policy composed as Coach composes it, no notes');
  t.same(
    fake.of('user').map((r) => r.seed).sort(),
    [0, 0, 1, 1],
    'the user simulator is seeded by the trial too',
  );
  t.match(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')), { arms: ['student'], pass_hat_k: { student: [{ k: 1, estimate: { mean: 0.5 } }, { k: 2, estimate: { mean: 0 } }] } });

  const again = await evalTau(args('2'), env);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stderr, 'trials: 0 to do of 2 (2 already done)');
  t.equal(fake.of('agent').length, 3, 'nothing left to play');

  const otherUser = await evalTau(args('2'), { ...env, CUSTOMER_MODEL: 'another-user' });
  t.equal(otherUser.code, 2);
  t.match(otherUser.stderr, /run\.json belongs to a run with a different user model/);
});
