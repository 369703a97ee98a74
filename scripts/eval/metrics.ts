/** Ranking quality for single-gold-label retrieval: each query has exactly one correct entry. */

export interface RankingMetrics {
  count: number;
  accAt1: number;
  recallAt5: number;
  mrr: number;
}

/** `rankedIds` best first; a gold id missing from the ranking counts as a miss with reciprocal rank 0. */
export function rankingMetrics(results: { goldId: string; rankedIds: string[] }[]): RankingMetrics {
  let hitsAt1 = 0;
  let hitsAt5 = 0;
  let reciprocalRankSum = 0;
  for (const { goldId, rankedIds } of results) {
    const rank = rankedIds.indexOf(goldId);
    if (rank < 0) continue;
    if (rank === 0) hitsAt1++;
    if (rank < 5) hitsAt5++;
    reciprocalRankSum += 1 / (rank + 1);
  }
  const count = results.length;
  const share = (value: number): number => (count === 0 ? 0 : value / count);
  return { count, accAt1: share(hitsAt1), recallAt5: share(hitsAt5), mrr: share(reciprocalRankSum) };
}

export interface PairedDifference {
  n: number;
  /** Share right by the first ranker minus share right by the second, on the same queries. */
  difference: number;
  /** 95% interval of the difference (Wald, from the discordant pairs). */
  interval: [number, number];
  /** Queries only the first got right, and only the second. */
  onlyFirst: number;
  onlySecond: number;
}

/**
 * Two rankers' hit rates on the same queries compared pair by pair: only the queries one got right
 * and the other wrong move the difference, so its interval is narrower than two separate ones.
 */
export function pairedDifference(first: readonly boolean[], second: readonly boolean[]): PairedDifference {
  if (first.length !== second.length) throw new Error('paired rankings must score the same queries');
  const n = first.length;
  const onlyFirst = first.filter((hit, i) => hit && !second[i]).length;
  const onlySecond = second.filter((hit, i) => hit && !first[i]).length;
  const difference = n === 0 ? 0 : (onlyFirst - onlySecond) / n;
  const se = n === 0 ? 0 : Math.sqrt(onlyFirst + onlySecond - ((onlyFirst - onlySecond) ** 2) / n) / n;
  return { n, difference, interval: [difference - 1.96 * se, difference + 1.96 * se], onlyFirst, onlySecond };
}

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;

/** "+0.085 (+0.061 to +0.109; 150 vs 65 discordant)" */
export function formatDifference(d: PairedDifference): string {
  return `${signed(d.difference)} (${signed(d.interval[0])} to ${signed(d.interval[1])}; ${d.onlyFirst} vs ${d.onlySecond} discordant)`;
}
