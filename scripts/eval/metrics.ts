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
