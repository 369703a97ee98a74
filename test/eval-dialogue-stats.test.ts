import t from 'tap';
import { analyse, type MetricSpec } from '../src/evaluation/analysis.js';
import {
  armValue,
  bootstrapMean,
  bootstrapP,
  consistent,
  differenceValue,
  holm,
  mean,
  quantile,
  resampleClusters,
  seededRandom,
  swappedWinValue,
  tallyWins,
  winValue,
  type ClusteredTable,
  type Row,
} from '../src/evaluation/stats.js';

/** Scenario → seeds → arm values, from `{scenario: [{arm: value}, ...seeds]}`. */
const tableOf = (scenarios: Record<string, Row[]>): ClusteredTable => new Map(Object.entries(scenarios));
const meanOf = (table: ClusteredTable, arm: string, iterations = 2000, seed = 1) => bootstrapMean(table, resampleClusters(table.keys(), iterations, seed), armValue(arm)).estimate;

t.test('seeded random numbers repeat for a seed and stay in [0, 1)', async (t) => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const first = Array.from({ length: 1000 }, a);
  t.same(Array.from({ length: 1000 }, b), first);
  t.ok(first.every((x) => x >= 0 && x < 1));
  t.not(seededRandom(8)(), first[0]);
  t.ok(Math.abs(mean(first) - 0.5) < 0.05, 'roughly uniform');
});

t.test('mean and type-7 quantiles by hand', async (t) => {
  t.equal(mean([1, 2, 3, 4]), 2.5);
  t.ok(Number.isNaN(mean([])));
  // (5 - 1) × 0.025 = 0.1 → 1 + 0.1 × (2 - 1); (5 - 1) × 0.975 = 3.9 → 4 + 0.9 × (5 - 4)
  t.equal(quantile([1, 2, 3, 4, 5], 0.025), 1.1);
  t.ok(Math.abs(quantile([1, 2, 3, 4, 5], 0.975) - 4.9) < 1e-12);
  t.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  t.equal(quantile([10], 0.975), 10);
});

t.test('constant data has a zero-width interval at its value', async (t) => {
  const table = tableOf({ s1: [{ student: 3, coach: 6 }], s2: [{ student: 3, coach: 6 }], s3: [{ student: 3, coach: 6 }] });
  const resamples = resampleClusters(table.keys(), 500, 1);
  t.same(bootstrapMean(table, resamples, armValue('student')).estimate, { mean: 3, ci: [3, 3], n: 3, scenarios: 3 });
  t.same(bootstrapMean(table, resamples, differenceValue('coach', 'student')).estimate, { mean: 3, ci: [3, 3], n: 3, scenarios: 3 });
});

t.test('two scenarios 0 and 1: resampled means are 0, 0.5 or 1 with chances 1/4, 1/2, 1/4', async (t) => {
  // P(mean = 0) = 1/4 > 2.5%, so the 2.5% quantile is 0; likewise the 97.5% quantile is 1.
  t.same(meanOf(tableOf({ s1: [{ a: 0 }], s2: [{ a: 1 }] }), 'a', 4000, 3), { mean: 0.5, ci: [0, 1], n: 2, scenarios: 2 });
});

t.test('pairing: an arm that is always the student plus 2 has a difference interval of exactly [2, 2]', async (t) => {
  const student = [1, 3, 5, 7, 2, 9];
  const table = tableOf(Object.fromEntries(student.map((v, i) => [`s${i}`, [{ student: v, coach: v + 2 }]])));
  const resamples = resampleClusters(table.keys(), 2000, 11);
  const s = bootstrapMean(table, resamples, armValue('student')).estimate;
  const c = bootstrapMean(table, resamples, armValue('coach')).estimate;
  t.equal(s.mean, 4.5);
  t.ok(s.ci[0] < 4.5 && s.ci[1] > 4.5, 'each arm alone varies across scenarios');
  t.ok(c.ci[0] < s.ci[1], 'the unpaired intervals overlap');
  t.same(bootstrapMean(table, resamples, differenceValue('coach', 'student')).estimate, { mean: 2, ci: [2, 2], n: 6, scenarios: 6 }, 'but the paired difference does not move');
});

t.test('clustering: seeds of one scenario move together, and the clustered interval is wider than the naive one', async (t) => {
  // A planted scenario effect: coach − student is +2 on half the scenarios and 0 on the others,
  // identically for each of the 5 seeds. Resampling units as if independent treats 40 units as 40
  // draws; there are only 8 scenarios' worth of information.
  const scenarios: Record<string, Row[]> = {};
  for (let s = 0; s < 8; s++) scenarios[`s${s}`] = Array.from({ length: 5 }, () => ({ student: 3, coach: s % 2 === 0 ? 5 : 3 }));
  const clusteredTable = tableOf(scenarios);
  // The same units, each its own cluster: the naive bootstrap the report used to do.
  const naiveTable = tableOf(Object.fromEntries([...clusteredTable].flatMap(([s, rows]) => rows.map((row, seed) => [`${s}#${seed}`, [row]]))));
  const clustered = bootstrapMean(clusteredTable, resampleClusters(clusteredTable.keys(), 4000, 2), differenceValue('coach', 'student')).estimate;
  const naive = bootstrapMean(naiveTable, resampleClusters(naiveTable.keys(), 4000, 2), differenceValue('coach', 'student')).estimate;
  t.equal(clustered.mean, 1);
  t.equal(naive.mean, 1);
  t.equal(clustered.n, 40);
  t.equal(clustered.scenarios, 8);
  const width = (ci: [number, number]) => ci[1] - ci[0];
  t.ok(width(clustered.ci) > 1.8 * width(naive.ci), `clustered ${clustered.ci} is far wider than naive ${naive.ci}`);
  // Binomial(8, 1/2) of the +2 scenarios: P(≤ 1 of 8) = 9/256 > 2.5%, so the clustered bound reaches 2 × 1/8.
  t.ok(clustered.ci[0] <= 0.25 + 1e-9, 'the clustered lower bound allows as few as one scenario in eight');
  // With 40 independent units the naive one cannot: P(≤ 13 of 40) < 2.5%.
  t.ok(naive.ci[0] > 0.6, 'the naive interval is overconfident');
});

t.test('the same seed gives the same intervals; another seed may not', async (t) => {
  const table = tableOf(Object.fromEntries([1, 4, 2, 8, 5, 7, 1, 3].map((v, i) => [`s${i}`, [{ a: v }]])));
  t.same(meanOf(table, 'a', 300, 5), meanOf(table, 'a', 300, 5));
  t.notSame(meanOf(table, 'a', 300, 6).ci, meanOf(table, 'a', 300, 5).ci);
});

t.test('missing values: an arm is estimated on its own units, a difference on the shared ones', async (t) => {
  const table = tableOf({ s1: [{ student: 1, coach: 2 }], s2: [{ student: 2 }], s3: [{ student: 3, coach: 5 }] });
  const resamples = resampleClusters(table.keys(), 200, 1);
  t.match(bootstrapMean(table, resamples, armValue('coach')).estimate, { mean: 3.5, n: 2, scenarios: 2 });
  t.match(bootstrapMean(table, resamples, differenceValue('coach', 'student')).estimate, { mean: 1.5, n: 2 }); // (2 − 1 + 5 − 3) / 2
});

t.test('bootstrap p-values: +1 corrected, two-sided', async (t) => {
  t.equal(bootstrapP(Float64Array.from({ length: 99 }, () => 2)), 2 / 100, 'every draw above 0: the smallest p 99 draws can give');
  t.equal(bootstrapP(Float64Array.from({ length: 99 }, () => 0)), 1, 'every draw at 0');
  // 10 of 99 draws ≤ 0: p = 2 × 11 / 100
  t.equal(bootstrapP(Float64Array.from({ length: 99 }, (_, i) => (i < 10 ? -1 : 1))), 0.22);
});

t.test("Holm's step-down as intervals: the smallest p is tested at alpha/m, and after a failure every later one keeps that level", async (t) => {
  // 999 draws spread evenly: a test's interval at level 1 − a is the central 1 − a of its draws.
  const spread = (centre: number, half: number) => Float64Array.from({ length: 999 }, (_, i) => centre - half + (2 * half * i) / 998);
  const result = holm(
    [
      { key: 'strong', observed: 5, draws: spread(5, 1) }, // never near 0
      { key: 'medium', observed: 1, draws: spread(1, 1.04) }, // ≈ 1.9% of draws below 0: p ≈ 0.04
      { key: 'weak', observed: 1, draws: spread(1, 1.1) }, // ≈ 4.5% below 0: p ≈ 0.09
    ],
    0.05,
  );
  t.equal(result.strong!.alpha_holm, 0.05 / 3);
  t.ok(result.strong!.rejected);
  t.ok(result.medium!.p < 0.05, 'medium alone would pass at 5%');
  t.equal(result.medium!.alpha_holm, 0.05 / 2, 'the second is tested at alpha/2');
  t.notOk(result.medium!.rejected, 'but its p exceeds 0.025');
  t.ok(result.medium!.ci_holm[0] < 0, 'and its adjusted interval says so');
  t.equal(result.weak!.alpha_holm, 0.05 / 2, 'after the first failure, the same stricter level, not its own 0.05');
  t.notOk(result.weak!.rejected);
  t.equal(result.medium!.p_holm, Math.min(1, 2 * result.medium!.p));
  t.equal(result.weak!.p_holm, Math.max(result.medium!.p_holm, result.weak!.p));
});

const SPEC: Record<string, MetricSpec> = { quality: { label: 'Quality', better: 'higher' }, violations: { label: 'Violations', better: 'lower' }, turns: { label: 'Turns', better: null } };

t.test('claims: supported, not supported and inconclusive per metric, by the Holm-adjusted interval of coach − rival', async (t) => {
  // 12 scenarios × 2 seeds. coach beats generic on quality everywhere; has more violations than sft everywhere; and is
  // level with student on quality (+1 on half the scenarios, −1 on the rest).
  const rows: Record<string, Record<string, Row[]>> = { quality: {}, violations: {}, turns: {} };
  for (let s = 0; s < 12; s++) {
    const up = s % 2 === 0;
    for (const metric of Object.keys(rows)) rows[metric]![`s${s}`] = [];
    for (let seed = 0; seed < 2; seed++) {
      rows.quality![`s${s}`]!.push({ coach: 5, generic: 3, sft: 5, student: up ? 4 : 6, teacher: 7 });
      rows.violations![`s${s}`]!.push({ coach: 2, generic: 2, sft: 0, student: 2, teacher: 0 });
      rows.turns![`s${s}`]!.push({ coach: 3, generic: 4, sft: 3, student: 3, teacher: 2 });
    }
  }
  const metrics = Object.fromEntries(Object.entries(SPEC).map(([name, spec]) => [name, { ...spec, table: tableOf(rows[name]!) }]));
  const analysis = analyse({ resamples: resampleClusters(Object.keys(rows.quality!), 2000, 1), metrics, arms: ['student', 'generic', 'coach', 'teacher', 'sft'] });
  const verdict = (rival: string, metric: string) => analysis.claims.find((c) => c.rival === rival && c.metric === metric)?.verdict;
  t.equal(verdict('generic', 'quality'), 'supported');
  t.equal(verdict('sft', 'violations'), 'not supported', 'more violations than sft: against coach');
  t.equal(verdict('student', 'quality'), 'inconclusive');
  t.equal(verdict('student', 'turns'), undefined, 'a metric without a direction makes no claim');
  t.same(
    analysis.comparisons.map((c) => c.key),
    ['coach−student', 'coach−generic', 'coach−sft', 'teacher−coach', 'teacher−student'],
  );
  const generic = analysis.comparisons.find((c) => c.key === 'coach−generic')!;
  t.same(generic.family, ['quality', 'violations'], 'Holm runs across the tested metrics of one comparison');
  t.equal(generic.metrics.turns!.holm, null, 'the descriptive metric is reported but not tested');
  t.same(generic.metrics.quality, { mean: 2, ci: [2, 2], n: 24, scenarios: 12, p: 2 / 2001, holm: { p_holm: 4 / 2001, alpha_holm: 0.025, ci_holm: [2, 2], rejected: true } });
  // (coach − student) / (teacher − student) on quality: (±1) / (3 or 1), 0 / 2 overall.
  t.match(analysis.recovered_share.quality, { defined: true, estimate: { mean: 0, n: 24, scenarios: 12 } });
  t.ok((analysis.recovered_share.quality as { estimate: { ci: number[] } }).estimate.ci[0]! < 0, 'the share moves with the scenarios drawn');
});

t.test('the recovered share is undefined when the interval of teacher − student covers 0', async (t) => {
  const quality: Record<string, Row[]> = {};
  for (let s = 0; s < 10; s++) quality[`s${s}`] = [{ student: 4, coach: 5, teacher: s % 2 === 0 ? 6 : 2 }];
  const analysis = analyse({ resamples: resampleClusters(Object.keys(quality), 1000, 1), metrics: { quality: { ...SPEC.quality!, table: tableOf(quality) } }, arms: ['student', 'coach', 'teacher'] });
  const share = analysis.recovered_share.quality!;
  t.equal(share.defined, false);
  t.match(share, { reason: /teacher − student covers 0/ });
  t.ok(share.denominator_ci![0] < 0 && share.denominator_ci![1] > 0);
  t.same(
    analysis.comparisons.map((c) => c.key),
    ['coach−student', 'teacher−coach', 'teacher−student'],
    'comparisons with an arm not run are left out',
  );
});

t.test('win values: ties count half, and the position the arm was shown in decides who won', async (t) => {
  t.equal(winValue('A', 'A'), 1);
  t.equal(winValue('B', 'A'), 0);
  t.equal(winValue('tie', 'B'), 0.5);
  t.equal(swappedWinValue({ armSecond: 'B', armFirst: 'A' }), 1, 'the arm won in both orders');
  t.equal(swappedWinValue({ armSecond: 'A', armFirst: 'B' }), 0, 'the baseline won in both orders');
  t.equal(swappedWinValue({ armSecond: 'A', armFirst: 'A' }), 0.5, 'a judge that always picks A cancels out');
  t.equal(swappedWinValue({ armSecond: 'B', armFirst: 'B' }), 0.5, 'as does one that always picks B');
  t.equal(swappedWinValue({ armSecond: 'B', armFirst: 'tie' }), 0.75);
  t.ok(consistent({ armSecond: 'B', armFirst: 'A' }));
  t.ok(consistent({ armSecond: 'tie', armFirst: 'tie' }));
  t.notOk(consistent({ armSecond: 'A', armFirst: 'A' }));
});

t.test('tallying pairs judged in both orders', async (t) => {
  const tally = tallyWins([
    { armSecond: 'B', armFirst: 'A' }, // won, won
    { armSecond: 'A', armFirst: 'A' }, // lost, won (position bias)
    { armSecond: 'tie', armFirst: 'tie' }, // tie, tie
    { armSecond: 'A', armFirst: 'B' }, // lost, lost
  ]);
  // pair values 1, 0.5, 0.5, 0 → 0.5; consistent pairs: 1st, 3rd, 4th → 0.75
  t.same(tally, { wins: 3, ties: 2, losses: 3, win_rate: 0.5, pairs: 4, position_consistency: 0.75 });
});
