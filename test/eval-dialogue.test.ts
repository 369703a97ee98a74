import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import type { ConversationRecord } from '../src/evaluation/records.js';
import type { Report } from '../src/evaluation/report.js';
import { ALL_ARMS, BAD_SCORES, desk, GENERIC_PLAYBOOK, GOOD_SCORES, lines, PLANTED_SCENARIOS, run, TEST_SCENARIOS } from './helpers/eval-desk.js';
import { SKIPPING_REPLY, VERIFIED_REPLY } from './helpers/fake-llm.js';
import { descendants, parseXml } from './helpers/xml.js';

t.test('end to end: arms differ as scripted, with intervals, comparisons, claims, win rates, costs and report files', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  const { report, failures, files } = await run(d, file, ['--arms', ALL_ARMS, '--seeds', '2', '--sft-base-url', d.sft.baseUrl, '--sft-model', 'student-model']);
  t.same(failures, []);
  t.equal(report.units, 4, '2 scenarios × 2 seeds');
  t.equal(report.scenarios, 2);

  const records = await lines<ConversationRecord>(files.conversations);
  t.equal(records.length, 20, '4 units × 5 arms');
  const replyOf = (arm: string) => [...new Set(records.filter((r) => r.arm === arm).map((r) => r.messages[1]!.content))];
  t.same(replyOf('student'), [SKIPPING_REPLY], 'the student alone skips verification');
  t.same(replyOf('generic'), [SKIPPING_REPLY], 'so it does with a playbook that never names the step');
  for (const arm of ['coach', 'teacher', 'sft']) t.same(replyOf(arm), [VERIFIED_REPLY], `${arm} verifies first`);
  const coach = records.find((r) => r.arm === 'coach')!;
  t.ok(coach.guidance[1]!.length > 0, 'the coach arm records the entries production composed');
  t.same(records.find((r) => r.arm === 'student')!.guidance[1], []);
  t.same(records.find((r) => r.arm === 'generic')!.guidance[1], ['generic-playbook:1'], 'the generic arm carries the playbook as one note');
  t.equal(coach.agent_turns, 1);
  t.equal(coach.ended_by_customer, true);

  const expect = (metric: keyof Report['metrics'], good: number, bad: number) => {
    for (const arm of ['student', 'generic'] as const) t.same(report.metrics[metric].arms[arm], { mean: bad, ci: [bad, bad], n: 4, scenarios: 2 }, `${metric}: ${arm}`);
    for (const arm of ['coach', 'teacher', 'sft'] as const) t.same(report.metrics[metric].arms[arm], { mean: good, ci: [good, good], n: 4, scenarios: 2 }, `${metric}: ${arm}`);
    const difference = (key: string) => report.comparisons.find((c) => c.key === key)!.metrics[metric]!;
    t.match(difference('coach−student'), { mean: good - bad, ci: [good - bad, good - bad], n: 4, scenarios: 2 }, `${metric}: coach − student`);
    t.match(difference('coach−generic'), { mean: good - bad, n: 4 }, `${metric}: coach − generic`);
    t.match(difference('coach−sft'), { mean: 0, ci: [0, 0] }, `${metric}: coach − sft`);
    t.match(difference('teacher−coach'), { mean: 0, ci: [0, 0] }, `${metric}: teacher − coach`);
  };
  expect('resolution', GOOD_SCORES.resolution, BAD_SCORES.resolution);
  expect('policy_correctness', GOOD_SCORES.policy_correctness, BAD_SCORES.policy_correctness);
  expect('empathy', GOOD_SCORES.empathy, BAD_SCORES.empathy);
  expect('efficiency', GOOD_SCORES.efficiency, BAD_SCORES.efficiency);
  expect('satisfaction', 5, 2);
  expect('violation_free', 1, 0);
  expect('violations', 0, 1);
  t.match(report.recovered_share.resolution, { defined: true, estimate: { mean: 1, ci: [1, 1] } }, 'coach recovers all of the teacher\'s lead');

  const verdicts = (rival: string) => [...new Set(report.claims.filter((c) => c.rival === rival).map((c) => c.verdict))];
  t.same(verdicts('student'), ['supported']);
  t.same(verdicts('generic'), ['supported']);
  t.same(verdicts('sft'), ['inconclusive'], 'level with the fine-tuned student on every metric');

  t.same(report.win_rates['coach−student'], { wins: 8, ties: 0, losses: 0, win_rate: 1, pairs: 4, position_consistency: 1, ci: [1, 1], scenarios: 2 }, 'coach beats the student in every pair, both orders');
  t.match(report.win_rates['coach−sft'], { win_rate: 0.5, ties: 8 });
  t.same(Object.keys(report.win_rates).sort(), ['coach−generic', 'coach−sft', 'coach−student', 'teacher−coach', 'teacher−student']);

  t.match(report.generic_playbook, { text: GENERIC_PLAYBOOK, budget: 2000, prompt: 'generic-playbook.v1', teacher_model: 'teacher-model' });

  // The fake reports 100 prompt + 10 completion tokens per call: one agent call per conversation;
  // the customer's closing message and rating, and the judge's scores, are the evaluation's own.
  t.same(report.cost.arms.student, {
    agent_model: 'student-model',
    conversations: 4,
    prompt_tokens_per_conversation: 100,
    completion_tokens_per_conversation: 10,
    cost_usd_per_conversation: (100 * 1 + 10 * 2) / 1e6,
    resolved: 0,
    cost_usd_per_resolved: null,
    evaluation_tokens_per_conversation: 330,
  });
  t.equal(report.cost.arms.coach!.resolved, 4, 'resolution 6 counts as resolved at the default --resolved-at 6');
  t.equal(report.cost.arms.coach!.cost_usd_per_resolved, (100 * 1 + 10 * 2) / 1e6);
  t.equal(report.cost.arms.teacher!.cost_usd_per_conversation, null, 'a model without a price has no cost, not zero');
  t.match(report.cost.library_build, { unavailable: /no version of any entry was written by a teacher job/ }, 'an imported library has no token cost to read');
  t.match(report.cost.break_even, { conversations: null });

  const written = JSON.parse(await readFile(files.report, 'utf8')) as Report;
  t.same(written.comparisons, report.comparisons, 'report.json holds the computed report');
  t.same((written.run as { scenarios: { used_to_build_library: string[] } }).scenarios.used_to_build_library, []);
  const summary = await readFile(files.summary, 'utf8');
  t.match(summary, /\| Resolution \(1–7\) \| \*\*supported\*\*: \+3\.00 \[3\.00, 3\.00\] \(n=4, 2 scenarios\) \| \*\*supported\*\*: \+3\.00 \[3\.00, 3\.00\] \(n=4, 2 scenarios\) \| inconclusive: \+0\.00 \[0\.00, 0\.00\]/);
  t.match(summary, /\| coach \(student \+ Coach retrieval\) \| 6\.00 \[6\.00, 6\.00\] \|/);
  t.match(summary, /\| coach vs student \| 1\.00 \[1\.00, 1\.00\] \| 8 \/ 0 \/ 0 \| 4 \(2\) \| 1\.00 \|/);
  t.match(summary, /\| student \| student-model \| 4 \| 100 \+ 10 \| \$0\.00012 \| 0 \| none resolved \| 330 \|/);
  t.match(summary, `> ${GENERIC_PLAYBOOK}`);

  const svg = parseXml(await readFile(files.chart, 'utf8'));
  t.equal(svg.name, 'svg');
  const bars = descendants(svg, 'rect').filter((r) => descendants(r, 'title').length === 1);
  t.equal(bars.length, 6 * 5, 'six metric panels of five arms');
  t.ok(bars.some((b) => b.children[0]!.text === 'coach: 6.00 [6.00, 6.00], n=4 in 2 scenarios'));
  const forest = parseXml(await readFile(files.differences, 'utf8'));
  const points = descendants(forest, 'circle').map((c) => c.children[0]!.text);
  t.equal(points.length, 8 * 5, 'seven tested metrics and the pairwise preference, five comparisons each');
  t.ok(points.includes('coach − generic: 3.00, 95% [3.00, 3.00], Holm-adjusted [3.00, 3.00], n=4 in 2 scenarios'));
});

t.test('planted quality: the report recovers coach − generic, coach − sft and the share of the teacher\'s lead that coach recovers', async (t) => {
  const d = await desk(t, 'planted');
  const file = await d.scenarios(PLANTED_SCENARIOS);
  const { report, failures, files } = await run(d, file, ['--arms', ALL_ARMS, '--seeds', '2', '--concurrency', '4', '--sft-base-url', d.sft.baseUrl, '--sft-model', 'student-model']);
  t.same(failures, []);
  t.equal(report.units, 32);
  // Per kind of scenario (cancellation C, address change A) each arm's reply is planted:
  //   student S/S, generic P/S, coach V/P, teacher V/V, sft P on seed 0 and V on seed 1.
  // With resolution V 7, P 5, S 2 and the design balanced, the means follow by hand.
  const res = report.metrics.resolution.arms;
  t.same([res.student!.mean, res.generic!.mean, res.coach!.mean, res.teacher!.mean, res.sft!.mean], [2, 3.5, 6, 7, 6]);
  const d_ = (key: string, metric: string) => report.comparisons.find((c) => c.key === key)!.metrics[metric]!;
  // coach − generic: C 7 − 5 = 2, A 5 − 2 = 3 → 2.5; its resampled mean is 2 + share of A, within [2, 3].
  t.equal(d_('coach−generic', 'resolution').mean, 2.5);
  const generic = d_('coach−generic', 'resolution');
  t.ok(generic.ci[0] > 2 && generic.ci[1] < 3 && generic.holm!.ci_holm[0] >= 2, `coach − generic resolution ${generic.ci} within [2, 3]`);
  // coach − sft: C (7 − 5 + 7 − 7)/2 = 1, A (5 − 5 + 5 − 7)/2 = −1 → 0, and of either sign by scenario.
  const sft = d_('coach−sft', 'resolution');
  t.equal(sft.mean, 0);
  t.ok(sft.ci[0] < 0 && sft.ci[1] > 0);
  // Share: (coach − student) / (teacher − student) = ((5 + 3) / 2) / 5 = 0.8, between 3/5 and 5/5.
  const share = report.recovered_share.resolution!;
  t.ok(share.defined);
  if (share.defined) {
    t.ok(Math.abs(share.estimate.mean - 0.8) < 1e-12);
    t.ok(share.estimate.ci[0] > 0.6 && share.estimate.ci[0] < 0.8 && share.estimate.ci[1] > 0.8 && share.estimate.ci[1] < 1);
  }
  t.match(report.recovered_share.efficiency, { defined: true, estimate: { mean: 0 } }, 'coach − student efficiency: C +1, A −1');

  const verdict = (rival: string, metric: string) => report.claims.find((c) => c.rival === rival && c.metric === metric)!.verdict;
  for (const metric of ['resolution', 'policy_correctness', 'empathy', 'satisfaction', 'violation_free', 'violations', 'pairwise_preference']) {
    t.equal(verdict('generic', metric), 'supported', `coach beats generic on ${metric}`);
    t.equal(verdict('sft', metric), 'inconclusive', `coach and sft level on ${metric}`);
  }
  t.equal(verdict('generic', 'efficiency'), 'inconclusive', 'full verification costs efficiency on cancellations (+2) and gains it on address changes (−1)');
  t.equal(verdict('student', 'efficiency'), 'inconclusive');
  t.equal(report.win_rates['coach−generic']!.win_rate, 1);

  const summary = await readFile(files.summary, 'utf8');
  t.match(summary, /\| Resolution \(1–7\) \| \*\*supported\*\*: \+4\.00 \[[\d.]+, [\d.]+\] \(n=32, 16 scenarios\) \| \*\*supported\*\*: \+2\.50 \[[\d.]+, [\d.]+\] \(n=32, 16 scenarios\) \| inconclusive: \+0\.00 \[-[\d.]+, [\d.]+\]/);
  t.match(summary, /\| Efficiency \(1–7\) \| inconclusive: \+0\.00/);
  t.match(summary, /\| Resolution \(1–7\) \| 0\.80 \[0\.[67]\d, 0\.9\d\] \| \[5\.00, 5\.00\] \|/);
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
  t.equal(report.win_rates['coach−student']!.win_rate, 1);

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
