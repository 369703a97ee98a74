/**
 * The classical baseline beside BM25: TF-IDF over word 1–2-grams (IDF from the entries' texts),
 * one centroid per entry (the mean of its document's and its examples' unit vectors), cosine to
 * the query's vector. Untuned: raw term counts, smoothed IDF, no character n-grams.
 */
import { contentTokens } from '../../src/retrieval/local-embedder.js';

type SparseVector = Map<string, number>;

function termCounts(text: string): SparseVector {
  const tokens = contentTokens(text);
  const counts: SparseVector = new Map();
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  tokens.forEach((token, i) => {
    add(token);
    if (i > 0) add(`${tokens[i - 1]} ${token}`);
  });
  return counts;
}

function normalised(vector: SparseVector): SparseVector {
  const norm = Math.sqrt([...vector.values()].reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : new Map([...vector].map(([term, x]) => [term, x / norm]));
}

export class TfidfCentroids {
  private readonly idf = new Map<string, number>();
  private readonly units: number;
  private readonly centroids: { id: string; vector: SparseVector }[];

  /** `texts`: the entry's document first, then its examples; each is one unit for the IDF. */
  constructor(entries: { id: string; texts: string[] }[]) {
    const counted = entries.map((entry) => ({ id: entry.id, units: entry.texts.map(termCounts) }));
    const df = new Map<string, number>();
    for (const entry of counted) for (const unit of entry.units) for (const term of unit.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    this.units = counted.reduce((sum, entry) => sum + entry.units.length, 0);
    for (const [term, count] of df) this.idf.set(term, Math.log((1 + this.units) / (1 + count)) + 1);
    this.centroids = counted.map(({ id, units }) => {
      const sum: SparseVector = new Map();
      for (const unit of units) for (const [term, x] of this.weighted(unit)) sum.set(term, (sum.get(term) ?? 0) + x);
      return { id, vector: normalised(sum) };
    });
  }

  private weighted(counts: SparseVector): SparseVector {
    // Terms no entry has cannot match anything; their IDF would only shrink the rest.
    return normalised(new Map([...counts].filter(([term]) => this.idf.has(term)).map(([term, count]) => [term, count * this.idf.get(term)!])));
  }

  /** Every entry with its cosine to the text, best first. */
  search(text: string): { id: string; score: number }[] {
    const query = this.weighted(termCounts(text));
    return this.centroids
      .map(({ id, vector }) => {
        let score = 0;
        for (const [term, x] of query) score += x * (vector.get(term) ?? 0);
        return { id, score };
      })
      .sort((a, b) => b.score - a.score);
  }
}
