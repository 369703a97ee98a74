/**
 * How many notes a prompt would get, and how often the right one is among them, for settings of
 * `k` and `min_score` (the right amount of guidance depends on the student: a strong model gains
 * from many notes, a weaker one only from few). Read off one retrieval per query at the largest k.
 */
export interface ScoredHit {
  id: string;
  score: number;
}

const KS = [1, 3, 5, 10];
const MIN_SCORES = [0, 0.1, 0.2, 0.3, 0.4];

export function selectionSweep(results: { goldId: string; hits: ScoredHit[] }[], label: string): string[] {
  const lines = [
    `Selection sweep, ${label} (${results.length} queries): share of queries whose entry is among the notes given | mean notes given`,
    `| min_score | ${KS.map((k) => `k=${k} found | k=${k} given`).join(' | ')} |`,
    `|---|${KS.map(() => '---|---').join('|')}|`,
  ];
  for (const minScore of MIN_SCORES) {
    const cells = KS.map((k) => {
      let found = 0;
      let given = 0;
      for (const { goldId, hits } of results) {
        const kept = hits.filter((hit) => hit.score >= minScore).slice(0, k);
        given += kept.length;
        if (kept.some((hit) => hit.id === goldId)) found++;
      }
      const n = Math.max(1, results.length);
      return `${(found / n).toFixed(3)} | ${(given / n).toFixed(1)}`;
    });
    lines.push(`| ${minScore} | ${cells.join(' | ')} |`);
  }
  return lines;
}
