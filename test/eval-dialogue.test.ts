import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { ConversationRecord } from '../src/evaluation/records.js';
import type { Report } from '../src/evaluation/report.js';
import { ALL_ARMS, BAD_SCORES, desk, GOOD_SCORES, lines, run, TEST_SCENARIOS } from './helpers/eval-desk.js';
import { VERIFIED_REPLY } from './helpers/fake-llm.js';
import { descendants, parseXml } from './helpers/xml.js';

t.test('end to end: arms differ as scripted, with intervals, win rates, costs and report files', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  const { report, failures, files } = await run(d, file, ['--arms', ALL_ARMS, '--seeds', '2', '--sft-base-url', d.sft.baseUrl, '--sft-model', 'student-model']);
  t.same(failures, []);
  t.equal(report.units, 4, '2 scenarios × 2 seeds');

  const records = await lines<ConversationRecord>(files.conversations);
  t.equal(records.length, 20, '4 units × 5 arms');
  const replyOf = (arm: string) => [...new Set(records.filter((r) => r.arm === arm).map((r) => r.messages[1]!.content))];
  t.same(replyOf('student'), ['Sure, that is done for you now.'], 'the student alone skips verification');
  for (const arm of ['generic', 'coach', 'teacher', 'sft']) t.same(replyOf(arm), [VERIFIED_REPLY], `${arm} verifies first`);
  const coach = records.find((r) => r.arm === 'coach')!;
  t.ok(coach.guidance[1]!.length > 0, 'the coach arm records the entries production composed');
  t.same(records.find((r) => r.arm === 'student')!.guidance[1], []);
  const generic = records.find((r) => r.arm === 'generic')!.guidance[1]!;
  t.equal(generic.length, 4, 'the generic arm carries the whole (small) library');
  t.ok(generic.every((ref) => /^[0-9a-f-]{36}:1$/.test(ref)), 'by id and version, like production');
  t.equal(coach.agent_turns, 1);
  t.equal(coach.ended_by_customer, true);

  const expect = (metric: keyof Report['metrics'], good: number, bad: number) => {
    t.same(report.metrics[metric].arms.student, { mean: bad, ci: [bad, bad], n: 4 }, `${metric}: student`);
    for (const arm of ['generic', 'coach', 'teacher', 'sft'] as const) {
      t.same(report.metrics[metric].arms[arm], { mean: good, ci: [good, good], n: 4 }, `${metric}: ${arm}`);
      t.same(report.metrics[metric].vs_baseline[arm], { mean: good - bad, ci: [good - bad, good - bad], n: 4 }, `${metric}: ${arm} − student`);
    }
  };
  expect('resolution', GOOD_SCORES.resolution, BAD_SCORES.resolution);
  expect('policy_correctness', GOOD_SCORES.policy_correctness, BAD_SCORES.policy_correctness);
  expect('empathy', GOOD_SCORES.empathy, BAD_SCORES.empathy);
  expect('efficiency', GOOD_SCORES.efficiency, BAD_SCORES.efficiency);
  expect('satisfaction', 5, 2);
  expect('violation_free', 1, 0);
  expect('violations', 0, 1);

  for (const arm of ['generic', 'coach', 'teacher', 'sft'] as const) {
    t.same(report.win_rates[arm], { wins: 8, ties: 0, losses: 0, win_rate: 1, pairs: 4, position_consistency: 1, ci: [1, 1] }, `${arm} beats the student in every pair, both orders`);
  }
  t.notOk('student' in report.win_rates);

  // The fake reports 100 prompt + 10 completion tokens per call: one agent call per conversation;
  // the customer's closing message and rating, and the judge's scores, are the evaluation's own.
  t.same(report.cost.student, {
    conversations: 4,
    agent_model: 'student-model',
    agent_tokens_per_conversation: 110,
    agent_cost_usd_per_conversation: (100 * 1 + 10 * 2) / 1e6,
    evaluation_tokens_per_conversation: 330,
  });
  t.equal(report.cost.teacher!.agent_cost_usd_per_conversation, null, 'a model without a price has no cost, not zero');
  t.equal(report.cost.teacher!.agent_model, 'teacher-model');

  const written = JSON.parse(await readFile(files.report, 'utf8')) as Report;
  t.same(written.metrics, report.metrics, 'report.json holds the computed report');
  t.same((written.run as { scenarios: { used_to_build_library: string[] } }).scenarios.used_to_build_library, []);
  const summary = await readFile(files.summary, 'utf8');
  t.match(summary, /\| coach \(student \+ Coach retrieval\) \| 6\.00 \[6\.00, 6\.00\] \|/);
  t.match(summary, /\| coach \| 1\.00 \[1\.00, 1\.00\] \| 8 \/ 0 \/ 0 \| 4 \| 1\.00 \|/);
  t.match(summary, /\| student \| student-model \| 4 \| 110 \| \$0\.00012 \| 330 \|/);

  const svg = parseXml(await readFile(files.chart, 'utf8'));
  t.equal(svg.name, 'svg');
  const bars = descendants(svg, 'rect').filter((r) => descendants(r, 'title').length === 1);
  t.equal(bars.length, 6 * 5 + 4, 'six metric panels of five arms, and a win-rate panel of four');
  t.ok(bars.some((b) => b.children[0]!.text === 'coach: 6.00 [6.00, 6.00], n=4'));
});

/** The script as a user runs it, asynchronously: the Coach it talks to lives in this process. */
function runScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/eval-dialogue.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

t.test('npm run eval:dialogue: the script runs end to end, exits 2 on usage errors and 1 with the server\'s message on HTTP errors', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  const out = path.join(d.dir, 'cli');
  const ok = await runScript(['--library', d.libraryId, '--scenarios', file, '--arms', 'student,coach', '--seeds', '1', '--out', out], d.env);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, `summary: ${path.join(out, 'summary.md')}`);
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
  t.equal(report.win_rates.coach!.win_rate, 1);

  const bad = await runScript(['--library', d.libraryId], d.env);
  t.equal(bad.code, 2);
  t.equal(bad.stderr, 'eval:dialogue: --scenarios is required (see --help)\n');
  const missing = await runScript(['--library', '00000000-0000-4000-8000-000000000000', '--scenarios', file, '--out', path.join(d.dir, 'missing')], d.env);
  t.equal(missing.code, 1);
  t.equal(
    missing.stderr,
    'eval:dialogue: GET /v1/libraries/00000000-0000-4000-8000-000000000000 answered 404: library 00000000-0000-4000-8000-000000000000 not found\n',
    "one line with the server's message",
  );
});
