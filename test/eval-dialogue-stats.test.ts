import t from 'tap';
import {
  consistent,
  mean,
  pairedBootstrap,
  quantile,
  seededRandom,
  swappedWinValue,
  tallyWins,
  winValue,
  type PairedTable,
} from '../src/evaluation/stats.js';

const tableOf = (columns: Record<string, (number | undefined)[]>): PairedTable => {
  const rows: PairedTable = new Map();
  for (const [arm, values] of Object.entries(columns)) {
    values.forEach((value, unit) => {
      if (value === undefined) return;
      rows.set(`u${unit}`, { ...rows.get(`u${unit}`), [arm]: value });
    });
  }
  return rows;
};

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
  const result = pairedBootstrap(tableOf({ student: [3, 3, 3], coach: [6, 6, 6] }), ['student', 'coach'], { iterations: 500, seed: 1, baseline: 'student' });
  t.same(result.arms.student, { mean: 3, ci: [3, 3], n: 3 });
  t.same(result.arms.coach, { mean: 6, ci: [6, 6], n: 3 });
  t.same(result.differences.coach, { mean: 3, ci: [3, 3], n: 3 });
  t.notOk('student' in result.differences, 'no difference of the baseline from itself');
});

t.test('two units 0 and 1: resampled means are 0, 0.5 or 1 with chances 1/4, 1/2, 1/4', async (t) => {
  const result = pairedBootstrap(tableOf({ a: [0, 1] }), ['a'], { iterations: 4000, seed: 3 });
  // P(mean = 0) = 1/4 > 2.5%, so the 2.5% quantile is 0; likewise the 97.5% quantile is 1.
  t.same(result.arms.a, { mean: 0.5, ci: [0, 1], n: 2 });
});

t.test('pairing: an arm that is always the baseline plus 2 has a difference interval of exactly [2, 2]', async (t) => {
  const student = [1, 3, 5, 7, 2, 9];
  const coach = student.map((v) => v + 2);
  const result = pairedBootstrap(tableOf({ student, coach }), ['student', 'coach'], { iterations: 2000, seed: 11, baseline: 'student' });
  t.equal(result.arms.student!.mean, 4.5);
  t.equal(result.arms.coach!.mean, 6.5);
  t.ok(result.arms.student!.ci[0] < 4.5 && result.arms.student!.ci[1] > 4.5, 'each arm alone varies across scenarios');
  t.ok(result.arms.coach!.ci[0] < result.arms.student!.ci[1], 'the unpaired intervals overlap');
  t.same(result.differences.coach, { mean: 2, ci: [2, 2], n: 6 }, 'but the paired difference does not move');
});

t.test('the same seed gives the same intervals; another seed may not', async (t) => {
  const table = tableOf({ a: [1, 4, 2, 8, 5, 7, 1, 3] });
  const once = pairedBootstrap(table, ['a'], { iterations: 300, seed: 5 });
  t.same(pairedBootstrap(table, ['a'], { iterations: 300, seed: 5 }), once);
  t.notSame(pairedBootstrap(table, ['a'], { iterations: 300, seed: 6 }).arms.a!.ci, once.arms.a!.ci);
});

t.test('missing values: an arm is estimated on its own units, a difference on the shared ones', async (t) => {
  const result = pairedBootstrap(tableOf({ student: [1, 2, 3], coach: [2, undefined, 5] }), ['student', 'coach'], { iterations: 200, seed: 1, baseline: 'student' });
  t.equal(result.arms.student!.n, 3);
  t.equal(result.arms.coach!.n, 2);
  t.equal(result.arms.coach!.mean, 3.5);
  t.equal(result.differences.coach!.n, 2);
  t.equal(result.differences.coach!.mean, 1.5); // (2 − 1 + 5 − 3) / 2
});

t.test('a single unit: the interval is the value itself', async (t) => {
  t.same(pairedBootstrap(tableOf({ a: [4] }), ['a'], { iterations: 100, seed: 1 }).arms.a, { mean: 4, ci: [4, 4], n: 1 });
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
