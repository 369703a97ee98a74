import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { conversationProblems, type ChatMessage } from '../src/messages.js';
import { evaluateArms, type ArmTrial } from '../src/evaluation/tau/arms-run.js';
import { parseTauCli } from '../src/evaluation/tau/cli-options.js';
import type { TauTask } from '../src/evaluation/tau/domain-data.js';
import type { TauReport } from '../src/evaluation/tau/report.js';
import type { TranscriptJob } from '../src/evaluation/tau/transcripts.js';
import { ADMIN_KEY, testApp } from './helpers/app.js';
import { FakeChatServer, type ChatHandler, type ChatRequest } from './helpers/fake-chat-tools.js';
import { createLibrary, importEntries } from './helpers/library.js';
import { domainData, taskFile, tasks } from './helpers/tau.js';

/**
 * The coach arm served by a real Coach: the eval talks to its /v1/chat/completions over HTTP, and
 * Coach calls the scripted student. The student makes the task's gold calls only when a coaching
 * note carrying MARKER is in its prompt, and otherwise on some trials only: a planted guidance effect.
 */
const MARKER = 'Look the order up with get_order_details, then act exactly as the customer asked.';

const opening = (task: TauTask) => `Hello, this is about task ${task.task_id}.`;

function scriptedUser(list: TauTask[]): ChatHandler {
  return (request) => {
    if (request.messages.length > 2) return { content: 'Thanks. ###STOP###' };
    const task = list.find((candidate) => request.messages[0]!.content!.includes(candidate.instruction))!;
    return { content: opening(task) };
  };
}

const notesOf = (request: ChatRequest) => request.messages[0]?.role === 'system' ? (request.messages[0].content ?? '').split('<coaching_notes>')[1] ?? '' : '';

/** The gold calls one per step, then the outputs; or, when it does not know, words only. */
function plantedStudent(list: TauTask[], knowsWithout: (task: TauTask, seed: number) => boolean): ChatHandler {
  return (request) => {
    const task = list.find((candidate) => request.messages.some((m) => m.role === 'user' && m.content === opening(candidate)))!;
    if (!notesOf(request).includes(MARKER) && !knowsWithout(task, request.seed ?? 0)) return { content: 'I am sorry, I cannot do that.' };
    const done = request.messages.filter((m) => m.role === 'tool').length;
    const action = task.actions[done];
    return action === undefined ? { content: task.outputs.join(', ') || 'Done.' } : { calls: [{ name: action.name, arguments: action.kwargs }] };
  };
}

const PLAYBOOK = 'Be polite and follow the policy.';

/**
 * Coach on a scripted student and user; the eval also has a teacher that always knows (and writes
 * a generic playbook without the marker) and a fine-tuned student that knows on trial 0.
 */
async function coach(t: Test, list: TauTask[], knowsWithout: (task: TauTask, seed: number) => boolean, student = plantedStudent(list, knowsWithout)) {
  const teacher = plantedStudent(list, () => true);
  const fake = await FakeChatServer.start(t, {
    student,
    user: scriptedUser(list),
    teacher: (r) => (r.tools === undefined ? { content: JSON.stringify({ playbook: PLAYBOOK }) } : teacher(r)),
    sft: plantedStudent(list, (_task, seed) => seed === 0),
  });
  const models = { STUDENT_BASE_URL: fake.baseUrl, STUDENT_MODEL: 'student', STUDENT_API_KEY: 'fake', STUDENT_MAX_RETRIES: '0', CUSTOMER_BASE_URL: fake.baseUrl, CUSTOMER_MODEL: 'user' };
  const { app } = await testApp(t, { env: models });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const data = await domainData('retail');
  const library = await createLibrary(app, { policy: data.policy });
  const env = { ...models, TEACHER_BASE_URL: fake.baseUrl, TEACHER_MODEL: 'teacher', COACH_URL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, COACH_API_KEY: ADMIN_KEY, LOG_LEVEL: 'silent' };
  return { fake, app, library, env };
}

const NOTE = {
  external_id: 'look-up-first',
  scenario: 'A customer asks about an order, to cancel, modify, exchange or return it',
  guidance: MARKER,
  examples: ['Hello, this is about my order', 'I want to cancel an order'],
};

const retail = await tasks('retailDev');
// Tasks that need write actions and no transfer: each has a database to reach.
const chosen = retail.filter((task) => task.actions.length > 0 && !task.actions.some((a) => a.name === 'transfer_to_human_agents')).slice(0, 4);

const arms = (env: Record<string, string>, args: string[]) => evaluateArms(parseTauCli(['--domain', 'retail', '--bootstrap', '1000', ...args])!, env, new AbortController().signal);

t.test('a planted guidance effect served through Coach: coach beats student, with the interval clustered by task, and every claim comparison', async (t) => {
  // Alone (or with the generic playbook), the student gets it right on trial 0 of the first two tasks
  // only; with the note, always. The teacher always; the fine-tuned student on trial 0.
  const first = new Set(chosen.slice(0, 2).map((task) => task.task_id));
  const { fake, app, library, env } = await coach(t, chosen, (task, seed) => first.has(task.task_id) && seed === 0);
  const [entryId] = (await importEntries(app, library.id, [NOTE])).ids;
  const out = t.testdir();
  const ids = chosen.map((task) => task.task_id).join(',');
  const outcome = await arms(env, ['--tasks', taskFile('retailDev'), '--task-ids', ids, '--arms', 'student,generic,coach,teacher,sft', '--library', library.id, '--trials', '2', '--sft-base-url', fake.baseUrl, '--sft-model', 'sft', '--out', out]);
  t.same(outcome.problems, []);
  t.match(outcome.summary, 'student: tasks: 4, trials: 8/8, reward mean: 0.250, tool errors: 0, pass^1: 0.250, pass^2: 0.000');
  t.match(outcome.summary, 'coach: tasks: 4, trials: 8/8, reward mean: 1.000, tool errors: 0, pass^1: 1.000, pass^2: 1.000');

  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as TauReport;
  t.same(report.metrics.reward.arms.coach, { mean: 1, ci: [1, 1], n: 8, scenarios: 4 });
  t.equal(report.metrics.reward.arms.student!.mean, 0.25);
  const gain = report.comparisons.find((c) => c.key === 'coach−student')!.metrics.reward!;
  // Per task: +0.5, +0.5, +1, +1. Resampling the 4 tasks, the mean of 4 draws from {0.5, 1} ranges over [0.5, 1].
  t.match(gain, { mean: 0.75, n: 8, scenarios: 4 });
  t.ok(gain.ci[0] >= 0.5 && gain.ci[0] < 0.75 && gain.ci[1] > 0.75 && gain.ci[1] <= 1, `interval ${gain.ci} between the task-level extremes`);
  t.ok(gain.holm?.rejected, 'Holm-adjusted interval excludes 0');
  const difference = (key: string) => report.comparisons.find((c) => c.key === key)!.metrics.reward!;
  t.match(difference('coach−generic'), { mean: 0.75, n: 8, scenarios: 4 }, 'the playbook without the note helps nothing');
  t.match(difference('coach−sft'), { mean: 0.5, ci: [0.5, 0.5], n: 8, scenarios: 4 });
  t.match(difference('teacher−coach'), { mean: 0, ci: [0, 0] });
  t.match(report.recovered_share.reward, { defined: true, estimate: { mean: 1, ci: [1, 1] } }, "coach recovers all of the teacher's lead");
  const verdict = (rival: string) => report.claims.find((c) => c.rival === rival && c.metric === 'reward')?.verdict;
  t.same([verdict('student'), verdict('generic'), verdict('sft')], ['supported', 'supported', 'supported']);
  t.match(report.run, { generic_playbook: { text: PLAYBOOK } });
  t.match(report.run, { models: { 'agent:coach': `student through Coach, library ${library.id}`, 'agent:student': 'student' }, library: { id: library.id, entries: 1, tasks_it_was_built_from: [] } });
  t.equal(report.cost.arms.coach!.agent_model, 'student', "the coach arm's cost is the student's, as Coach reports it");

  // What Coach sent the student: its composition of the library's policy and the note, and the domain's tools.
  const viaCoach = fake.of('student').filter((r) => notesOf(r).includes(MARKER));
  t.equal(viaCoach.length > 0, true);
  const noted = fake.of('student').filter((r) => r.messages[0]!.content!.includes('<coaching_notes>'));
  t.same(new Set(noted.map((r) => (notesOf(r).includes(MARKER) ? 'coach' : notesOf(r).includes(PLAYBOOK) ? 'generic' : 'other'))), new Set(['coach', 'generic']), "only the coach and generic arms have notes: the library's, the playbook");
  t.same(viaCoach[0]!.tools, (await domainData('retail')).tools, 'the tools pass through Coach unchanged');
  t.equal(viaCoach[0]!.messages.filter((m) => m.role === 'system').length, 1, 'one system message: Coach composed it, the eval sent none');
  const records = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ArmTrial);
  const coached = records.find((r) => r.arm === 'coach')!;
  t.equal(coached.messages[0]!.role, 'user', 'recorded as sent: no system message through Coach');
  t.ok(coached.guidance!.every((step) => step.includes(`${entryId}:1`)), 'each step records the entry Coach composed');
  t.equal(records.find((r) => r.arm === 'student')!.guidance, undefined);

  const summary = await readFile(path.join(out, 'summary.md'), 'utf8');
  t.match(summary, /\| Reward \(share of trials earning 1\) \| \*\*supported\*\*: \+0\.75 \[/);
});

t.test('through Coach, an agent that does nothing, or calls a tool with a wrong argument, earns 0', async (t) => {
  const knowing = plantedStudent(chosen, () => true);
  // Trial 0 only talks; trial 1 makes the gold calls with the first text argument of each spoilt.
  const student: ChatHandler = (request) => {
    if (request.seed === 0) return { content: 'Let me see what I can do.' };
    const reply = knowing(request);
    if (!('calls' in reply) || reply.calls === undefined) return reply;
    return {
      calls: reply.calls.map((call) => {
        const args = { ...(call.arguments as Record<string, unknown>) };
        const key = Object.keys(args).find((k) => typeof args[k] === 'string')!;
        return { ...call, arguments: { ...args, [key]: `${String(args[key])}-wrong` } };
      }),
    };
  };
  const { app, library, env } = await coach(t, chosen, () => true, student);
  await importEntries(app, library.id, [NOTE]);
  const outcome = await arms(env, ['--tasks', taskFile('retailDev'), '--task-ids', chosen.slice(0, 2).map((task) => task.task_id).join(','), '--arms', 'coach', '--library', library.id, '--trials', '2', '--out', t.testdir()]);
  t.same(outcome.problems, []);
  const records = (await readFile(outcome.files.results!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ArmTrial);
  t.equal(records.length, 4);
  for (const r of records) t.equal(r.reward, 0, `task ${r.task_id} trial ${r.trial}`);
  t.same(records.filter((r) => r.trial === 0).map((r) => r.actions), [0, 0], 'doing nothing calls no tool');
  t.ok(records.filter((r) => r.trial === 1).every((r) => r.actions > 0 && !r.data_matches), 'the wrong argument does not reach the gold database');
  t.match(outcome.summary, 'coach: tasks: 2, trials: 4/4, reward mean: 0.000');
});

t.test('the coach arm needs --library; tasks the library was built from are refused unless --force', async (t) => {
  const { app, library, env } = await coach(t, chosen, () => true);
  const [task] = chosen;
  await importEntries(app, library.id, [{ ...NOTE, provenance: { source: 'teacher', source_id: `tau-retail-dev-${task!.task_id}.student.t0` } }]);
  const args = ['--tasks', taskFile('retailDev'), '--task-ids', String(task!.task_id), '--arms', 'coach', '--out', t.testdir()];
  await t.rejects(arms(env, args), /the coach arm needs --library ID/);
  await t.rejects(arms(env, [...args, '--library', library.id]), new RegExp(`1 task\\(s\\) were used to build the library and would flatter the coach arm: tau-retail-dev-${task!.task_id};`));
  const forced = await arms(env, [...args, '--library', library.id, '--force']);
  t.match(forced.summary, 'coach: tasks: 1, trials: 1/1, reward mean: 1.000');
  const report = JSON.parse(await readFile(forced.files.report!, 'utf8')) as TauReport;
  t.match(report.warnings, [/1 task\(s\) built the library and are evaluated anyway \(--force\)/]);
});

t.test('--record-transcripts: train trials as teacher transcript jobs that the teach route accepts, with tool calls and results', async (t) => {
  const train = (await tasks('retailTrain')).filter((task) => task.actions.length > 0 && !task.actions.some((a) => a.name === 'transfer_to_human_agents')).slice(0, 2);
  const { app, library, env } = await coach(t, train, (_task, seed) => seed === 0);
  const out = t.testdir();
  const outcome = await arms(env, ['--tasks', taskFile('retailTrain'), '--task-ids', train.map((task) => task.task_id).join(','), '--arms', 'student', '--trials', '2', '--record-transcripts', '--out', out]);
  t.same(outcome.problems, []);
  t.equal(outcome.files['transcripts student 1'], path.join(out, 'transcripts', 'student-001.json'));
  const job = JSON.parse(await readFile(path.join(out, 'transcripts', 'student-001.json'), 'utf8')) as TranscriptJob;
  t.same(
    job.transcripts.map((tr) => tr.id),
    train.flatMap((task) => [0, 1].map((trial) => `tau-retail-train-${task.task_id}.student.t${trial}`)),
  );
  for (const transcript of job.transcripts) t.same(conversationProblems(transcript.messages as ChatMessage[], 'messages'), [], `${transcript.id}: a conversation Coach accepts`);
  const [solved, missed] = job.transcripts;
  t.match(solved!.outcome, /^τ-bench reward 1: the database ended as the task required; the customer ended it$/);
  t.match(missed!.outcome, /^τ-bench reward 0: the database did not end as the task required/);
  t.equal(solved!.messages[0]!.role, 'user', "the arm's system prompt is left out: the library's policy is the job's");
  t.ok(solved!.messages.some((m) => m.role === 'assistant' && (m as { tool_calls?: unknown[] }).tool_calls?.length === 1));
  t.ok(solved!.messages.some((m) => m.role === 'tool'));
  t.equal(solved!.tools.length, (await domainData('retail')).tools.length);

  // The teach route checks the body's schema and each conversation (400 naming the field) before it
  // submits the job; this Coach has no teacher, so it gets as far as refusing for that.
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${library.id}/teach`, headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: job });
  t.equal(res.statusCode, 503, res.body);
  t.match(res.json(), { error: { code: 'teacher_model_not_configured' } });
});
