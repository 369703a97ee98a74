import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { resampleClusters } from '../src/evaluation/stats.js';
import { passHatK, passHatKByTask } from '../src/evaluation/tau/pass-hat-k.js';
import { buildTauReport, type TauReport } from '../src/evaluation/tau/report.js';
import type { TrialResult } from '../src/evaluation/tau/trial.js';
import { projectRoot } from '../src/project-root.js';
import { FakeChatServer, type ChatHandler, type ChatRequest } from './helpers/fake-chat-tools.js';
import { taskFile, tasks } from './helpers/tau.js';
import { descendants, parseXml } from './helpers/xml.js';

function evalTau(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/eval-tau.ts', ...args], { cwd: projectRoot(), env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const trial = (task_id: number, trial: number, reward: 0 | 1, model = 'm'): TrialResult =>
  ({ task_id, trial, reward, agent_model: model, tool_errors: 0, steps: 3, usage: { agent: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 }, user: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } } }) as TrialResult;

t.test('pass^k by task, the curve, and rewards paired by task and trial with intervals over tasks', async (t) => {
  // Task 1 passes 3 of 4 trials, task 2 passes 1 of 4: pass^2 = (C(3,2)/C(4,2) + 0) / 2 = (3/6) / 2.
  const results = [1, 1, 1, 0].map((r, i) => trial(1, i, r as 0 | 1)).concat([0, 1, 0, 0].map((r, i) => trial(2, i, r as 0 | 1)));
  t.same([...passHatKByTask(results, 2)], [[1, 0.5], [2, 0]]);
  t.equal(passHatK(results, 2), 0.25);
  const teacher = results.map((r) => ({ ...r, reward: 1 as const, agent_model: 'dear' }));
  const report = buildTauReport({
    runs: [{ arm: 'student', results }, { arm: 'teacher', results: teacher }],
    prices: { m: { input: 1, output: 2 }, dear: { input: 10, output: 30 } },
    bootstrap: { iterations: 1000, seed: 1 },
    libraryBuild: { unavailable: 'no --library was given to read the teacher jobs that built it' },
    warnings: [],
    run: {},
  });
  t.equal(report.tasks, 2);
  t.same(report.pass_hat_k.student!.map((p) => p.k), [1, 2, 3, 4]);
  t.match(report.pass_hat_k.student![1], { k: 2, estimate: { mean: 0.25, ci: [0, 0.5], n: 2, scenarios: 2 } });
  t.match(report.pass_hat_k.teacher![3], { k: 4, estimate: { mean: 1, ci: [1, 1] } });
  const gap = report.comparisons.find((c) => c.key === 'teacher−student')!;
  t.match(gap.metrics.reward, { mean: 0.5, n: 8, scenarios: 2 });
  t.same(gap.family, ['reward', 'tool_errors']);
  t.same(report.claims, [], 'no coach arm: no claim');
  // 110 tokens a trial: (100 × 1 + 10 × 2) / 1e6 at 4 resolved of 8.
  t.match(report.cost.arms.student, { conversations: 8, resolved: 4, cost_usd_per_conversation: 0.00012, cost_usd_per_resolved: 0.00024 });
  t.match(report.cost.arms.teacher, { resolved: 8, cost_usd_per_conversation: 0.0013 });
  t.match(report.cost.break_even, { conversations: null, reason: /no --library/ });
  t.same(resampleClusters(['b', 'a', 'a'], 1, 1).clusters, ['a', 'b']);
});

const PLAYBOOK = 'Confirm the order id first, then act as the policy says.';

/** Plays a task's gold actions one tool call a step, then says its outputs; the task is named by the user's first message. */
function goldPlayer(byId: Map<number, { actions: { name: string; kwargs: Record<string, unknown> }[]; outputs: string[] }>, succeeds: (r: ChatRequest) => boolean): ChatHandler {
  return (request) => {
    const id = Number(/task (\d+)/.exec(request.messages.find((m) => m.role === 'user')?.content ?? '')?.[1]);
    const task = byId.get(id)!;
    if (!succeeds(request)) return { content: 'I cannot help with that.' };
    const done = request.messages.filter((m) => m.role === 'tool').length;
    if (done < task.actions.length) return { calls: [{ name: task.actions[done]!.name, arguments: task.actions[done]!.kwargs }] };
    return { content: task.outputs.join('\n') || 'All done.' };
  };
}

t.test('eval:tau --arms: the arms in one run, then a report over them with pass^k curves, differences and warnings', async (t) => {
  const chosen = (await tasks('retailDev')).filter((task) => task.actions.length > 0 && !task.actions.some((a) => a.name === 'transfer_to_human_agents')).slice(0, 3);
  const byId = new Map(chosen.map((task) => [task.task_id, task]));
  const byInstruction = new Map(chosen.map((task) => [task.instruction, task.task_id]));
  const user: ChatHandler = (request) => {
    if (request.messages.length <= 2) {
      const instruction = [...byInstruction.keys()].find((text) => request.messages[0]!.content!.includes(text))!;
      return { content: `Hello, about task ${byInstruction.get(instruction)}.` };
    }
    return { content: '###STOP###' };
  };
  const teacherAgent = goldPlayer(byId, () => true);
  const fake = await FakeChatServer.start(t, {
    // The student gets it right on trial 0 only, or always with the generic playbook; the teacher always.
    student: goldPlayer(byId, (r) => r.seed === 0 || r.messages[0]!.content!.includes(PLAYBOOK)),
    // One model plays the agent (it has the tools), the user (it has an instruction) and writes the playbook: the user is warned about.
    teacher: (r) => (r.tools !== undefined ? teacherAgent(r) : /Instruction:/.test(r.messages[0]!.content ?? '') ? user(r) : { content: JSON.stringify({ playbook: PLAYBOOK }) }),
  });
  // The generic playbook is cached beside the output directory: inside this test's own.
  const out = path.join(t.testdir(), 'run');
  const prices = JSON.stringify({ student: { input: 1, output: 2 }, teacher: { input: 10, output: 30 } });
  const run = await evalTau(
    ['--domain', 'retail', '--tasks', taskFile('retailDev'), '--task-ids', chosen.map((task) => task.task_id).join(','), '--arms', 'student,generic,teacher', '--trials', '2', '--out', out, '--bootstrap', '500'],
    {
      STUDENT_BASE_URL: fake.baseUrl,
      STUDENT_MODEL: 'student',
      TEACHER_BASE_URL: fake.baseUrl,
      TEACHER_MODEL: 'teacher',
      CUSTOMER_BASE_URL: fake.baseUrl,
      CUSTOMER_MODEL: 'teacher',
      MODEL_PRICES: prices,
    },
  );
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /^eval:tau: WARNING: the simulated user is the teacher model \(teacher at http:\/\/127\.0\.0\.1:\d+\/v1\)/m);
  t.match(run.stdout, 'teacher: tasks: 3, trials: 6/6, reward mean: 1.000');
  t.match(run.stdout, 'generic: tasks: 3, trials: 6/6, reward mean: 1.000');
  t.match(run.stdout, `pass^k: ${path.join(out, 'pass-k.svg')}`);
  const asked = fake.of('student').filter((r) => r.messages[0]!.content!.includes(PLAYBOOK));
  t.equal(asked.length > 0, true);
  t.match(asked[0]!.messages[0]!.content, /^# Firm policy \(authoritative\)\n<firm_policy>\n# Retail agent policy[\s\S]*<coaching_notes>\n<note id="generic-playbook" version="1">/, 'the policy, then the playbook as a composed note');
  const written = fake.of('teacher').filter((r) => r.tools === undefined && !/Instruction:/.test(r.messages[0]!.content ?? ''));
  t.equal(written.length, 1, 'written once from the policy alone');
  t.notMatch(written[0]!.messages[1]!.content!, /task \d/, 'no task reaches the teacher');

  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as TauReport;
  t.same(report.arms, ['student', 'generic', 'teacher']);
  t.same(report.metrics.reward.arms.generic, { mean: 1, ci: [1, 1], n: 6, scenarios: 3 });
  t.equal(report.tasks, 3);
  t.same(report.metrics.reward.arms.student, { mean: 0.5, ci: [0.5, 0.5], n: 6, scenarios: 3 });
  t.same(report.metrics.reward.arms.teacher, { mean: 1, ci: [1, 1], n: 6, scenarios: 3 });
  t.same(
    report.pass_hat_k.student!.map((p) => p.estimate.mean),
    [0.5, 0],
  );
  t.match(report.comparisons, [{ key: 'teacher−student', metrics: { reward: { mean: 0.5, ci: [0.5, 0.5], holm: { rejected: true } } } }]);
  t.equal(report.warnings.length, 1);
  t.match(report.warnings[0], /^the simulated user is the teacher model/);
  t.match(report.run, { generic_playbook: { text: PLAYBOOK, teacher_model: 'teacher' } });
  t.equal(report.cost.arms.teacher!.agent_model, 'teacher');
  t.equal(report.cost.arms.student!.resolved, 3);

  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  t.match(summary, /^> \*\*WARNING:\*\* the simulated user is the teacher model/m);
  t.match(summary, /\| student \(student alone, policy only\) \| 0\.50 \[0\.50, 0\.50\] \| .* \| 0\.500 \[0\.500, 0\.500\] \| 0\.000 \[0\.000, 0\.000\] \|/);
  t.match(summary, '### teacher − student');
  const svg = parseXml(await readFile(path.join(out, 'pass-k.svg'), 'utf8'));
  t.equal(descendants(svg, 'polyline').length, 3, 'a curve per arm');
  t.ok(descendants(svg, 'circle').some((c) => c.children[0]!.text === 'student pass^2: 0.000 [0.000, 0.000], 3 tasks'));
  const forest = parseXml(await readFile(path.join(out, 'differences.svg'), 'utf8'));
  t.ok(descendants(forest, 'circle').some((c) => /^teacher − student: 0\.50, 95% \[0\.50, 0\.50\], Holm-adjusted/.test(c.children[0]!.text)));
});
