import { appendFile, readFile } from 'node:fs/promises';
import t from 'tap';
import { parseCli } from '../src/evaluation/cli-options.js';
import type { ConversationRecord, PairwiseRecord } from '../src/evaluation/records.js';
import { TrainTestOverlapError } from '../src/evaluation/split.js';
import { ADMIN_KEY } from './helpers/app.js';
import { desk, lines, run, TEST_SCENARIOS, TRAINING_SCENARIO } from './helpers/eval-desk.js';
import { ENTRIES } from './helpers/fake-llm.js';

t.test('scenarios the library was built from are refused unless forced', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios([...TEST_SCENARIOS, TRAINING_SCENARIO]);
  await t.rejects(run(d, file, ['--arms', 'student,coach', '--seeds', '1']), TrainTestOverlapError);
  await t.rejects(run(d, file, ['--arms', 'student,coach', '--seeds', '1']), /train-cancel-1.*--force/);
  t.equal(d.fake.requests.length, 0, 'refused before any model call');

  const { report } = await run(d, file, ['--arms', 'student,coach', '--seeds', '1', '--force']);
  t.equal(report.units, 3);
  t.same((report.run as { scenarios: { used_to_build_library: string[]; forced: boolean } }).scenarios, {
    source: file,
    count: 3,
    used_to_build_library: ['train-cancel-1'],
    forced: true,
  });
});

t.test('a merged entry keeps its earlier sources in its history, and they count too', async (t) => {
  const d = await desk(t);
  const res = await fetch(`${d.env.COACH_URL}/v1/libraries/${d.libraryId}/guidance/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify([
      { ...ENTRIES.cancel, guidance: `${ENTRIES.cancel.guidance} Be polite.`, external_id: 'taught-cancel', provenance: { source: 'teacher', source_id: 'train-cancel-2' } },
    ]),
  });
  t.match(await res.json(), { created: 0, updated: 1 }, 'a new version of the taught entry');
  const file = await d.scenarios([TRAINING_SCENARIO]);
  await t.rejects(run(d, file, ['--arms', 'student', '--seeds', '1']), /train-cancel-1/, 'the earlier version still names it');
});

t.test('resumable: a rerun skips finished conversations and pairs; new arms and seeds are added', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  const first = await run(d, file, ['--arms', 'student,coach', '--seeds', '1']);
  t.equal((await lines(first.files.conversations)).length, 4);
  t.equal((await lines(first.files.pairwise)).length, 2);

  const before = d.fake.requests.length;
  const again = await run(d, file, ['--arms', 'student,coach', '--seeds', '1']);
  t.equal(d.fake.requests.length, before, 'nothing is played or judged again');
  t.same(again.report.metrics, first.report.metrics, 'the report is recomputed from the records alone');

  // A crash mid-write leaves a torn line; it is ignored, and the next record starts on a line of its own.
  await appendFile(first.files.conversations, '{"scenario_id": "cancel-1", "se');
  const more = await run(d, file, ['--arms', 'student,coach,teacher', '--seeds', '2']);
  const records = await lines<ConversationRecord>(first.files.conversations).catch(() => null);
  t.equal(records, null, 'the torn line is still in the file');
  const readable = (await readFile(first.files.conversations, 'utf8')).split('\n').filter((l) => l.startsWith('{"scenario_id":"'));
  t.equal(readable.length, 12, '4 kept + teacher for seed 0 (2) + all three arms for seed 1 (6)');
  const newRequests = d.fake.requests.slice(before);
  t.equal(newRequests.filter((r) => r.role === 'teacher' && r.schema === '').length, 4, 'the teacher arm plays seeds 0 and 1');
  t.equal(newRequests.filter((r) => r.role === 'student').length, 4, 'student and coach only play seed 1');
  t.equal(more.report.units, 4);
  t.equal(more.report.win_rates['teacher−student']!.pairs, 4);
  // coach − student, teacher − coach and teacher − student on 4 units; 2 of them judged before.
  t.equal((await lines<PairwiseRecord>(first.files.pairwise)).length, 3 * 4);
});

t.test('a run directory refuses another library or model; a changed judge would mix verdicts', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  await run(d, file, ['--arms', 'student', '--seeds', '1']);
  await t.rejects(run(d, file, ['--arms', 'student', '--seeds', '1', '--judge-model', 'student-model']), /different judge model/);
  await t.rejects(run(d, file, ['--arms', 'student', '--seeds', '1', '--max-turns', '3']), /different max turns/);
});

t.test('a judge that always prefers position A is cancelled by the swap', async (t) => {
  const d = await desk(t, 'always-A');
  const file = await d.scenarios(TEST_SCENARIOS);
  // One pair at a time, so the judge's requests come in pair order.
  const { report, files } = await run(d, file, ['--arms', 'student,coach', '--seeds', '1', '--concurrency', '1']);
  t.same(report.win_rates['coach−student'], { wins: 2, ties: 0, losses: 2, win_rate: 0.5, pairs: 2, position_consistency: 0, ci: [0.5, 0.5], scenarios: 2 });
  const [pair] = await lines<PairwiseRecord>(files.pairwise);
  t.equal(pair!.arm_second.winner, 'A');
  t.equal(pair!.arm_first.winner, 'A');
  const shown = d.fake.requests.filter((r) => r.schema === 'pairwise_verdict').map((r) => r.messages[1]!.content);
  const aOf = (text: string) => text.split('# Conversation A\n')[1]!.split('# Conversation B\n')[0]!;
  t.match(aOf(shown[0]!), /that is done/, 'first order: the baseline as A');
  t.match(aOf(shown[1]!), /full name/, 'second order: the arm as A');
});

t.test('--no-pairwise skips the comparisons and the report has no win rates', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios([TEST_SCENARIOS[0]!]);
  const { report } = await run(d, file, ['--arms', 'student,teacher', '--seeds', '2', '--no-pairwise']);
  t.equal(d.fake.count('judge:pairwise_verdict'), 0);
  t.same(report.win_rates, {});
  t.equal(report.units, 2);
});

t.test('a model failure fails that conversation only; a rerun retries it', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  d.fake.fault('judge:dialogue_scores', { status: 400 });
  const first = await run(d, file, ['--arms', 'student', '--seeds', '1']);
  t.equal(first.failures.length, 1);
  t.match(first.failures[0]!.error, /teacher model judge-model answered 400/);
  t.equal(first.report.metrics.resolution.arms.student!.n, 1);
  const second = await run(d, file, ['--arms', 'student', '--seeds', '1']);
  t.same(second.failures, []);
  t.equal(second.report.metrics.resolution.arms.student!.n, 2);
});

t.test('the sft arm needs its endpoint; unknown arms and bad flags are usage errors', async (t) => {
  const d = await desk(t);
  const file = await d.scenarios(TEST_SCENARIOS);
  await t.rejects(run(d, file, ['--arms', 'student,sft']), /SFT_BASE_URL and SFT_MODEL/);
  t.throws(() => parseCli(['--library', 'x', '--scenarios', 'f', '--arms', 'student,oracle']), /unknown arm "oracle"/);
  t.throws(() => parseCli(['--library', 'x', '--scenarios', 'f', '--seeds', '0']), /--seeds must be an integer/);
  t.throws(() => parseCli(['--scenarios', 'f']), /--library is required/);
  t.throws(() => parseCli(['--library', 'x', '--scenarios', 'f', '--sft-model', 'm']), /go together/);
});

