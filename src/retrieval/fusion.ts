/**
 * Fuses per-chunk vector hits and per-entry full-text hits into one ranked, explained list.
 *
 * Vector side: an entry's chunks (scenario, guidance, examples) each have a cosine similarity to
 * the query vector; the entry scores the mean of its best `supportCount` similarities, where
 * chunks missing from the top-N hits count at the lowest similarity that was returned (they
 * scored at most that). Several matching examples thus beat one lucky match, without an entry
 * needing many examples to score well when its best ones are close.
 *
 * Text side: the full-text rank is divided by the best rank in the result set, so it only says
 * how an entry compares with the others; it then gets a modest fixed weight, so a text engine
 * with different rank scales (ts_rank_cd vs BM25) shifts scores little.
 */

import type { ChunkKind } from '../chunk-index/entry-chunks.js';

export interface VectorHit {
  entryId: string;
  chunkKind: ChunkKind;
  similarity: number;
}

export interface TextHit {
  entryId: string;
  textRank: number;
}

export interface FusionOptions {
  /** How many of an entry's best chunk similarities are averaged. */
  supportCount: number;
  /** Share of the final score that comes from the normalised text rank. */
  textWeight: number;
}

// supportCount 4–8 perform alike; textWeight above 0.3 starts to let keyword overlap outvote meaning.
export const DEFAULT_FUSION: FusionOptions = { supportCount: 5, textWeight: 0.2 };

export interface VectorExplanation {
  /** Mean of the best `supportCount` similarities (missing ones at the cutoff), clamped to [0, 1]. */
  score: number;
  bestSimilarity: number;
  bestChunkKind: ChunkKind | null;
  matchedChunks: number;
  /** The similarity credited to chunks that were not among the top-N hits. */
  cutoffSimilarity: number;
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
    fused: { vectorWeight: number; textWeight: number; supportCount: number };
  };
}

export function fuseHits(vectorHits: VectorHit[], textHits: TextHit[], options: FusionOptions = DEFAULT_FUSION): FusedEntry[] {
  const cutoffSimilarity = vectorHits.length === 0 ? 0 : Math.max(0, vectorHits.reduce((min, hit) => Math.min(min, hit.similarity), 1));
  const hitsByEntry = new Map<string, VectorHit[]>();
  for (const hit of vectorHits) {
    const list = hitsByEntry.get(hit.entryId) ?? [];
    list.push(hit);
    hitsByEntry.set(hit.entryId, list);
  }
  const bestTextRank = textHits.reduce((max, hit) => Math.max(max, hit.textRank), 0);
  const textRankByEntry = new Map(textHits.map((hit) => [hit.entryId, hit.textRank]));
  const entryIds = new Set([...hitsByEntry.keys(), ...textRankByEntry.keys()]);
  const vectorWeight = 1 - options.textWeight;

  const fused: FusedEntry[] = [];
  for (const entryId of entryIds) {
    const vector = aggregateVector(hitsByEntry.get(entryId) ?? [], options.supportCount, cutoffSimilarity);
    const rank = textRankByEntry.get(entryId) ?? 0;
    const text = { rank, normalised: bestTextRank > 0 ? rank / bestTextRank : 0 };
    fused.push({
      entryId,
      score: vectorWeight * vector.score + options.textWeight * text.normalised,
      explanation: { vector, text, fused: { vectorWeight, textWeight: options.textWeight, supportCount: options.supportCount } },
    });
  }
  // Ties (e.g. no hits at all) fall back to id order so results are reproducible.
  return fused.sort((a, b) => b.score - a.score || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
}

function aggregateVector(hits: VectorHit[], supportCount: number, cutoffSimilarity: number): VectorExplanation {
  const sorted = [...hits].sort((a, b) => b.similarity - a.similarity);
  let sum = 0;
  for (let i = 0; i < supportCount; i++) sum += sorted[i]?.similarity ?? cutoffSimilarity;
  const best = sorted[0];
  return {
    score: clamp01(sum / supportCount),
    bestSimilarity: best?.similarity ?? 0,
    bestChunkKind: best?.chunkKind ?? null,
    matchedChunks: sorted.length,
    cutoffSimilarity,
  };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
