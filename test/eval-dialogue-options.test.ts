import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { parseCli } from '../src/evaluation/cli-options.js';
import { EvalModels } from '../src/evaluation/eval-models.js';
import { PlaybookBudgetError } from '../src/evaluation/generic-playbook.js';
import { duration, ProgressLines } from '../src/evaluation/progress-lines.js';
import type { ConversationRecord } from '../src/evaluation/records.js';
import type { Report } from '../src/evaluation/report.js';
import { evaluate } from '../src/evaluation/runner.js';
import { ScenarioFormatError } from '../src/evaluation/scenarios.js';
import { evaluationSetup, selectScenarios } from '../src/evaluation/setup.js';
import { desk, GENERIC_PLAYBOOK, lines, PLANTED_SCENARIOS, run, TEST_SCENARIOS } from './helpers/eval-desk.js';
import { VERIFIED_REPLY } from './helpers/fake-llm.js';

function runScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/eval-dialogue.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const endpoint = (model: string, baseUrl = 'http://models:8000/v1') => ({ baseUrl, model, apiKey: 'k', timeoutMs: 1000, maxRetries: 0 });

t.test('a judge or customer that is the teacher model is warned about', async (t) => {
  const teacher = endpoint('big');
  const both = new EvalModels({ student: endpoint('small'), teacher, customer: teacher, judge: teacher }, ['student']).overlaps();
  t.equal(both.length, 2);
  t.match(both[0], /^the judge is the teacher model \(big at http:\/\/models:8000\/v1\).*set JUDGE_BASE_URL and JUDGE_MODEL \(or --judge-model\) to another model$/);
  t.match(both[1], /^the simulated customer is the teacher model.*CUSTOMER_BASE_URL and CUSTOMER_MODEL/);
  t.same(new EvalModels({ student: endpoint('small'), teacher, customer: endpoint('other'), judge: endpoint('judge') }, ['student']).overlaps(), []);
  t.equal(new EvalModels({ student: endpoint('small'), teacher, customer: endpoint('other'), judge: endpoint('big', 'http://elsewhere/v1') }, ['student']).overlaps().length, 1, 'the same model served elsewhere is still the teacher');
});

t.test('npm run eval:dialogue with the judge defaulting to the teacher: a loud warning on stderr, in report.json and summary.md; progress lines off a terminal', async (t) => {
  const d = await desk(t);
  const { JUDGE_BASE_URL: _url, JUDGE_MODEL: _model, ...env } = d.env;
  // The judge's routes, now asked of the teacher model.
  d.fake.on('teacher:dialogue_scores', d.fake.handlers.get('judge:dialogue_scores')!);
  const file = await d.scenarios(TEST_SCENARIOS);
  const out = path.join(d.dir, 'warned');
  const result = await runScript(['--library', d.libraryId, '--scenarios', file, '--arms', 'student,coach', '--seeds', '2', '--no-pairwise', '--progress-every', '3', '--out', out], env);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stderr, /^eval:dialogue: WARNING: the judge is the teacher model \(teacher-model at http:\/\/127\.0\.0\.1:\d+\/v1\)/m);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
  t.equal(report.warnings.length, 1);
  t.match(report.warnings[0], /the judge is the teacher model/);
  t.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /^> \*\*WARNING:\*\* the judge is the teacher model/m);
  // 2 scenarios × 2 seeds × 2 arms; a line every 3, and one at the end. Each conversation: agent, customer, rating, judge.
  const progress = result.stderr.split('\n').filter((l) => l.startsWith('conversations:'));
  t.equal(progress[0], 'conversations: 8 to do of 8');
  t.match(progress[1], /^conversations: 3\/8 done, 0 failed, ETA \d+s, 1,320 tokens$/);
  t.match(progress[2], /^conversations: 6\/8 done, 0 failed, ETA \d+s, 2,640 tokens$/);
  t.equal(progress[3], 'conversations: 8/8 done, 0 failed, finished, 3,520 tokens');
  t.equal(progress.length, 4);
});

t.test('progress lines: done, failed, ETA from the pace so far, tokens', async (t) => {
  const written: string[] = [];
  let now = 0;
  const lines = new ProgressLines((l) => written.push(l), 2, () => now);
  lines.start('pairwise', 10, 4);
  now = 30_000;
  lines.tick(1000, false);
  now = 60_000;
  lines.tick(500, true);
  // 2 in 60 s, 4 to go: ETA 2 min.
  t.same(written, ['pairwise: 6 to do of 10 (4 already done)', 'pairwise: 5/10 done, 1 failed, ETA 2m00s, 1,500 tokens']);
  t.equal(duration(3_725_000), '1h02m');
  t.equal(duration(9_400), '9s');
});

t.test('--scenario-ids and --limit run a subset; an unknown id is an input error', async (t) => {
  const all = PLANTED_SCENARIOS;
  t.same(
    selectScenarios(all, ['address-1', 'cancel-3', 'cancel-0'], undefined).map((s) => s.id),
    ['cancel-0', 'cancel-3', 'address-1'],
    'in file order',
  );
  t.same(selectScenarios(all, undefined, 3).map((s) => s.id), ['cancel-0', 'cancel-1', 'cancel-2']);
  t.same(selectScenarios(all, ['address-1', 'cancel-3'], 1).map((s) => s.id), ['cancel-3']);
  t.throws(() => selectScenarios(all, ['cancel-0', 'nope'], undefined), ScenarioFormatError);
  t.throws(() => selectScenarios(all, ['nope'], undefined), /--scenario-ids: nope not in the scenarios file/);
  t.throws(() => parseCli(['--library', 'x', '--scenarios', 'f', '--limit', '0']), /--limit must be an integer of at least 1/);
  t.throws(() => parseCli(['--library', 'x', '--scenarios', 'f', '--resolved-at', '8']), /--resolved-at must be an integer from 1 to 7/);

  const d = await desk(t);
  const file = await d.scenarios(PLANTED_SCENARIOS);
  const { report } = await run(d, file, ['--arms', 'student', '--seeds', '1', '--scenario-ids', 'cancel-2,address-5,address-6', '--limit', '2']);
  t.equal(report.scenarios, 2);
  t.same((report.run as { scenarios: { count: number } }).scenarios.count, 2);
});

t.test('transfer: --student-model serves the same library to another student, reported side by side', async (t) => {
  const d = await desk(t);
  // student-b verifies on its own: the library has nothing left to teach it.
  const student = d.fake.handlers.get('student')!;
  d.fake.alias('student-b', 'student').on('student', (r) => (r.model === 'student-b' ? { content: VERIFIED_REPLY } : student(r)));
  const file = await d.scenarios(TEST_SCENARIOS);
  const { report, files } = await run(d, file, ['--arms', 'student,generic,coach,teacher', '--seeds', '1', '--no-pairwise', '--student-model', 'student-b']);
  const records = await lines<ConversationRecord>(files.conversations);
  t.equal(records.length, 2 * 4 + 2 * 3, 'the teacher is not played again for the other student');
  const transferred = records.filter((r) => r.transfer === 'student-b');
  t.same([...new Set(transferred.map((r) => r.arm))].sort(), ['coach', 'generic', 'student']);
  t.ok(transferred.every((r) => r.agent_model === 'student-b'));

  t.equal(report.transfer.length, 1);
  const other = report.transfer[0]!;
  t.equal(other.student_model, 'student-b');
  t.same(other.arms, ['student', 'generic', 'coach', 'teacher']);
  const resolution = (claims: Report['claims']) => claims.find((c) => c.rival === 'student' && c.metric === 'resolution')!;
  t.match(resolution(report.claims), { verdict: 'supported', mean: 3 }, 'the library helps the main student');
  t.match(resolution(other.claims), { verdict: 'inconclusive', mean: 0 }, 'and not one that needs no help');
  t.match(other.recovered_share.resolution, { defined: false }, 'student-b alone is level with the teacher: no lead to recover');
  t.equal(other.cost.coach!.agent_model, 'student-b');
  const summary = await readFile(files.summary, 'utf8');
  t.match(summary, '## Transfer: the same library served to other students');
  t.match(summary, /\| claim \| student-model \| student-b \|/);
  t.match(summary, /\| coach vs student: Resolution \(1–7\) \| \*\*supported\*\*: \+3\.00 \[3\.00, 3\.00\] \| inconclusive: \+0\.00 \[0\.00, 0\.00\] \|/);

  const before = d.fake.requests.length;
  await run(d, file, ['--arms', 'student,generic,coach,teacher', '--seeds', '1', '--no-pairwise', '--student-model', 'student-b']);
  t.equal(d.fake.requests.length, before, 'a rerun resumes transfer conversations too');
});

t.test('the generic playbook: written once per policy, prompt, budget and teacher, cached beside the run, held to the budget', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios([TEST_SCENARIOS[0]!]);
  const first = await run(d, file, ['--arms', 'generic', '--seeds', '1', '--no-pairwise']);
  t.equal(d.fake.count('teacher:generic_playbook'), 1);
  const request = d.fake.requests.find((r) => r.schema === 'generic_playbook')!;
  t.match(request.messages[0]!.content, /^You write the one playbook/, 'the versioned prompt');
  t.match(request.messages[1]!.content, /# Firm policy\n.*# Length\nAt most 1231 words: the hard limit is 2000 estimated tokens/s);
  t.notMatch(request.messages[1]!.content, /cancel-1|Jane/, 'no scenario reaches the teacher');
  const cacheDir = path.join(d.dir, 'generic-playbooks');
  t.same(await readdir(cacheDir), [`${first.report.generic_playbook!.key}.json`]);
  t.match(first.report.generic_playbook, { text: GENERIC_PLAYBOOK, usage: { model: 'teacher-model', prompt_tokens: 100, completion_tokens: 10 } });

  // Another run directory beside the first (a transfer run, say) reuses the same playbook.
  const again = await evaluate(await evaluationSetup(parseCli(['--library', d.libraryId, '--scenarios', file, '--out', path.join(d.dir, 'other'), '--arms', 'generic', '--seeds', '1', '--no-pairwise']), d.env, new AbortController().signal));
  t.equal(d.fake.count('teacher:generic_playbook'), 1, 'not written again');
  t.equal(again.report.generic_playbook!.key, first.report.generic_playbook!.key);

  // Another budget is another playbook; one too long is sent back once, with the reason.
  const long = Array.from({ length: 200 }, () => 'Always check.').join(' ');
  d.fake.fault('teacher:generic_playbook', { json: { playbook: long } });
  const tight = await run({ ...d, env: { ...d.env, CHAT_GUIDANCE_TOKEN_BUDGET: '300' } }, file, ['--arms', 'generic', '--seeds', '1', '--no-pairwise', '--out', path.join(d.dir, 'tight')]);
  const asked = d.fake.requests.filter((r) => r.schema === 'generic_playbook');
  t.equal(asked.length, 3);
  t.match(asked[2]!.messages.at(-1)!.content, /longer than the limit of 300 estimated tokens/);
  t.equal(tight.report.generic_playbook!.text, GENERIC_PLAYBOOK);
  t.ok(tight.report.generic_playbook!.tokens <= 300);
  t.not(tight.report.generic_playbook!.key, first.report.generic_playbook!.key);

  await t.rejects(run({ ...d, env: { ...d.env, CHAT_GUIDANCE_TOKEN_BUDGET: '0' } }, file, ['--arms', 'generic', '--seeds', '1', '--out', path.join(d.dir, 'zero')]), PlaybookBudgetError);
  // A run directory remembers its playbook: a changed budget would mix generic conversations.
  await t.rejects(run({ ...d, env: { ...d.env, CHAT_GUIDANCE_TOKEN_BUDGET: '1500' } }, file, ['--arms', 'generic', '--seeds', '1', '--no-pairwise']), /different generic playbook/);
});
