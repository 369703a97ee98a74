/**
 * Fuses per-entry vector hits and full-text hits into one ranked, explained list.
 *
 * Vector side: the cosine similarity of the query vector to the entry's centroid (its document and
 * examples as one point, see chunk-index/entry-chunks.ts).
 *
 * Text side: the full-text rank (BM25 of the query's weighted words, see search-sql.ts) is divided
 * by the best rank in the result set, so it only says how an entry compares with the others. The
 * hashed vectors know nothing of how rare a word is in this library; the text rank does, which is
 * what it adds. It counts for more in an entry without examples: that entry's centroid is its
 * document alone, written unlike customers talk, and there the rare words it shares with the
 * conversation are the better evidence.
 */

export interface VectorHit {
  entryId: string;
  similarity: number;
}

export interface TextHit {
  entryId: string;
  textRank: number;
}

export interface FusionOptions {
  /** Share of the final score that comes from the normalised text rank, for an entry with examples. */
  textWeight: number;
  /** The same for an entry without examples. */
  textWeightWithoutExamples: number;
}

// ABCD sweeps (scripts/eval-retrieval.ts): with examples (5-fold CV) 0.1–0.2 alike, 0.3 lets keyword
// overlap outvote meaning; docs only, 0.4 beat 0.2 and 0.5 at every checkpoint.
export const DEFAULT_FUSION: FusionOptions = { textWeight: 0.2, textWeightWithoutExamples: 0.4 };

export interface VectorExplanation {
  /** Cosine similarity to the entry's centroid, clamped to [0, 1]; 0 when the centroid was not among the nearest. */
  score: number;
  /** The cosine similarity as found, or null when the centroid was not among the nearest. */
  similarity: number | null;
}

export interface TextExplanation {
  rank: number;
  /** `rank` divided by the best rank among all text hits. */
  normalised: number;
}

export interface FusedEntry {
  entryId: string;
  score: number;
  explanation: {
    vector: VectorExplanation;
    text: TextExplanation;
    fused: { vectorWeight: number; textWeight: number };
  };
}

/** `withExamples`: the entries that have examples. */
export function fuseHits(vectorHits: VectorHit[], textHits: TextHit[], withExamples: ReadonlySet<string>, options: FusionOptions = DEFAULT_FUSION): FusedEntry[] {
  const similarityByEntry = new Map(vectorHits.map((hit) => [hit.entryId, hit.similarity]));
  const bestTextRank = textHits.reduce((max, hit) => Math.max(max, hit.textRank), 0);
  const textRankByEntry = new Map(textHits.map((hit) => [hit.entryId, hit.textRank]));
  const entryIds = new Set([...similarityByEntry.keys(), ...textRankByEntry.keys()]);

  const fused: FusedEntry[] = [];
  for (const entryId of entryIds) {
    const similarity = similarityByEntry.get(entryId) ?? null;
    const vector = { score: clamp01(similarity ?? 0), similarity };
    const rank = textRankByEntry.get(entryId) ?? 0;
    const text = { rank, normalised: bestTextRank > 0 ? rank / bestTextRank : 0 };
    const textWeight = withExamples.has(entryId) ? options.textWeight : options.textWeightWithoutExamples;
    const vectorWeight = 1 - textWeight;
    fused.push({
      entryId,
      score: vectorWeight * vector.score + textWeight * text.normalised,
      explanation: { vector, text, fused: { vectorWeight, textWeight } },
    });
  }
  // Scores tie at 0 for every entry the query is unlike (the similarity is clamped); the raw
  // similarity still orders those, so the same library content gives the same order wherever it
  // lives. Ids, random per import, decide only exact ties.
  return fused.sort((a, b) => b.score - a.score || similarityOf(b) - similarityOf(a) || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
}

function similarityOf(entry: FusedEntry): number {
  return entry.explanation.vector.similarity ?? -Infinity;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
