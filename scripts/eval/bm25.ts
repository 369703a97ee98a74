/** Plain Okapi BM25 over pre-tokenised documents: the baseline, and a stand-in for Postgres FTS when tuning. */

export interface Bm25Document {
  id: string;
  tokens: string[];
}

export interface Bm25Hit {
  id: string;
  score: number;
}

// The textbook defaults; the baseline is deliberately untuned.
const K1 = 1.2;
const B = 0.75;

export class Bm25Index {
  private readonly termFrequencies: { id: string; length: number; counts: Map<string, number> }[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(documents: Bm25Document[]) {
    this.termFrequencies = documents.map(({ id, tokens }) => {
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const token of counts.keys()) this.documentFrequency.set(token, (this.documentFrequency.get(token) ?? 0) + 1);
      return { id, length: tokens.length, counts };
    });
    const totalLength = this.termFrequencies.reduce((sum, doc) => sum + doc.length, 0);
    this.averageLength = totalLength / Math.max(1, documents.length);
  }

  /** Documents with a positive score, best first. Repeated query tokens count repeatedly. */
  search(queryTokens: string[]): Bm25Hit[] {
    const documentCount = this.termFrequencies.length;
    const hits: Bm25Hit[] = [];
    for (const doc of this.termFrequencies) {
      let score = 0;
      for (const token of queryTokens) {
        const tf = doc.counts.get(token);
        if (!tf) continue;
        const df = this.documentFrequency.get(token) ?? 0;
        const idf = Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
        score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / this.averageLength));
      }
      if (score > 0) hits.push({ id: doc.id, score });
    }
    return hits.sort((a, b) => b.score - a.score);
  }
}
