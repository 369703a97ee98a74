/**
 * Throwaway tuning harness for ABCD retrieval, all in memory: LocalEmbedder + exact cosine over
 * chunks (top-N like HNSW would return), the production fusion, and BM25 standing in for Postgres
 * full-text search. Usage:
 *   npx tsx scripts/eval/tune-abcd.ts /work/shared/data/abcd/derived [--sweep]
 */
import { Bm25Index } from './bm25.js';
import {
  CHECKPOINTS,
  conversationPrefix,
  kFoldSplits,
  loadAbcd,
  type AbcdConversation,
  type Checkpoint,
  type EvalEntry,
  type ExemplarMode,
  type GuidanceDoc,
} from './abcd.js';
import { rankingMetrics, type RankingMetrics } from './metrics.js';
import { DEFAULT_WEIGHTING, fullTextTerms, queryPieces, type QueryWeighting } from '../../src/retrieval/conversation-query.js';
import { DEFAULT_FUSION, fuseHits, type ChunkKind, type FusionOptions, type VectorHit } from '../../src/retrieval/fusion.js';
import { contentTokens, DEFAULT_DIMENSION, LocalEmbedder, type LocalEmbedderOptions } from '../../src/retrieval/local-embedder.js';

const FOLDS = 5;

interface TuningConfig {
  embedder: LocalEmbedderOptions;
  weighting: QueryWeighting;
  fusion: FusionOptions;
  /** How many chunks the vector search returns, as HNSW `LIMIT` would. */
  topChunks: number;
  exemplarMode: ExemplarMode;
  /** Text side of the fusion: BM25 over the FTS terms, or nothing (vector only). */
  textSide: 'bm25' | 'none';
}

const BASE: TuningConfig = {
  embedder: { dimension: DEFAULT_DIMENSION },
  weighting: DEFAULT_WEIGHTING,
  fusion: DEFAULT_FUSION,
  topChunks: 200,
  exemplarMode: 'first-two-separate',
  textSide: 'bm25',
};

type Ranker = 'bm25' | 'hybrid';
type Results = Map<Checkpoint, { goldId: string; rankedIds: string[] }[]>;

interface Chunk {
  entryId: string;
  kind: ChunkKind;
  vector: Float32Array;
}

class CachedEmbedder {
  private readonly cache = new Map<string, Float32Array>();
  constructor(readonly embedder: LocalEmbedder) {}
  vector(text: string): Float32Array {
    let vector = this.cache.get(text);
    if (!vector) {
      vector = Float32Array.from(this.embedder.embedOne(text));
      this.cache.set(text, vector);
    }
    return vector;
  }
}

function entryText(entry: EvalEntry): string {
  return [entry.scenario, ...entry.examples, entry.guidance].join('\n');
}

function chunksOf(entries: EvalEntry[], embedder: CachedEmbedder): Chunk[] {
  return entries.flatMap((entry) => [
    { entryId: entry.id, kind: 'scenario' as const, vector: embedder.vector(entry.scenario) },
    { entryId: entry.id, kind: 'guidance' as const, vector: embedder.vector(entry.guidance) },
    ...entry.examples.map((example) => ({ entryId: entry.id, kind: 'example' as const, vector: embedder.vector(example) })),
  ]);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function queryVectorOf(pieces: ReturnType<typeof queryPieces>, embedder: CachedEmbedder, dimension: number): Float32Array {
  const sum = new Float32Array(dimension);
  for (const piece of pieces) {
    const vector = embedder.vector(piece.text);
    for (let i = 0; i < dimension; i++) sum[i]! += piece.weight * vector[i]!;
  }
  const norm = Math.sqrt(dot(sum, sum));
  if (norm > 0) for (let i = 0; i < dimension; i++) sum[i]! /= norm;
  return sum;
}

function rankHybrid(
  conversationMessages: ReturnType<typeof conversationPrefix>,
  chunks: Chunk[],
  index: Bm25Index,
  embedder: CachedEmbedder,
  config: TuningConfig,
): string[] {
  const pieces = queryPieces(conversationMessages, config.weighting);
  const query = queryVectorOf(pieces, embedder, embedder.embedder.dimension);
  const vectorHits: VectorHit[] = chunks
    .map((chunk) => ({ entryId: chunk.entryId, chunkKind: chunk.kind, similarity: dot(query, chunk.vector) }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, config.topChunks);
  const textHits =
    config.textSide === 'bm25'
      ? index.search(fullTextTerms(pieces)).map((hit) => ({ entryId: hit.id, textRank: hit.score }))
      : [];
  return fuseHits(vectorHits, textHits, config.fusion).map((entry) => entry.entryId);
}

function rankBm25(conversationMessages: ReturnType<typeof conversationPrefix>, index: Bm25Index): string[] {
  const tokens = conversationMessages.flatMap((message) => contentTokens(message.content));
  return index.search(tokens).map((hit) => hit.id);
}

function evaluate(
  docs: GuidanceDoc[],
  conversations: AbcdConversation[],
  config: TuningConfig,
  ranker: Ranker,
  withExamples: boolean,
): Map<Checkpoint, RankingMetrics> {
  const embedder = new CachedEmbedder(new LocalEmbedder(config.embedder));
  const results: Results = new Map(CHECKPOINTS.map((checkpoint) => [checkpoint, []]));
  for (const { entries: withExemplars, heldOut } of kFoldSplits(docs, conversations, FOLDS, config.exemplarMode)) {
    const entries = withExamples ? withExemplars : withExemplars.map((entry) => ({ ...entry, examples: [] }));
    const index = new Bm25Index(entries.map((entry) => ({ id: entry.id, tokens: contentTokens(entryText(entry)) })));
    const chunks = ranker === 'hybrid' ? chunksOf(entries, embedder) : [];
    for (const conversation of heldOut) {
      for (const checkpoint of CHECKPOINTS) {
        const messages = conversationPrefix(conversation, checkpoint);
        const rankedIds = ranker === 'bm25' ? rankBm25(messages, index) : rankHybrid(messages, chunks, index, embedder, config);
        results.get(checkpoint)!.push({ goldId: conversation.intent, rankedIds });
      }
    }
  }
  return new Map([...results].map(([checkpoint, list]) => [checkpoint, rankingMetrics(list)]));
}

function formatRow(label: string, metrics: Map<Checkpoint, RankingMetrics>): string {
  const cells = CHECKPOINTS.map((checkpoint) => {
    const m = metrics.get(checkpoint)!;
    return `${m.accAt1.toFixed(3)} ${m.recallAt5.toFixed(3)} ${m.mrr.toFixed(3)}`;
  });
  return `${label.padEnd(34)} | ${cells.join(' | ')}`;
}

function header(): string {
  const cells = CHECKPOINTS.map((checkpoint) => `turn ${String(checkpoint).padEnd(5)} a@1 r@5 mrr`.padEnd(17));
  return `${'ranker'.padEnd(34)} | ${cells.join(' | ')}`;
}

function sweeps(): [string, TuningConfig][] {
  const variants: [string, TuningConfig][] = [['base', BASE]];
  const add = (label: string, change: Partial<TuningConfig>): void => {
    variants.push([label, { ...BASE, ...change }]);
  };
  for (const dimension of [256, 384, 768, 1024, 4096]) add(`dim ${dimension}`, { embedder: { dimension } });
  add('words only', { embedder: { ...BASE.embedder, weights: { bigram: 0, char: 0 } } });
  add('no bigrams', { embedder: { ...BASE.embedder, weights: { bigram: 0 } } });
  add('no char n-grams', { embedder: { ...BASE.embedder, weights: { char: 0 } } });
  add('char 2..4', { embedder: { ...BASE.embedder, charNgramRange: [2, 4] } });
  add('char 3..4', { embedder: { ...BASE.embedder, charNgramRange: [3, 4] } });
  add('char 3..6', { embedder: { ...BASE.embedder, charNgramRange: [3, 6] } });
  add('char weight 0.5', { embedder: { ...BASE.embedder, weights: { char: 0.5 } } });
  add('char weight 1.5', { embedder: { ...BASE.embedder, weights: { char: 1.5 } } });
  add('bigram weight 1', { embedder: { ...BASE.embedder, weights: { bigram: 1 } } });
  for (const recencyDecay of [1, 0.85, 0.5]) add(`decay ${recencyDecay}`, { weighting: { ...DEFAULT_WEIGHTING, recencyDecay } });
  for (const agentWeight of [0, 0.15, 0.6]) add(`agent ${agentWeight}`, { weighting: { ...DEFAULT_WEIGHTING, agentWeight } });
  for (const fullWeightContentWords of [1, 2, 8]) {
    add(`full weight at ${fullWeightContentWords} words`, { weighting: { ...DEFAULT_WEIGHTING, fullWeightContentWords } });
  }
  for (const supportCount of [1, 2, 5]) add(`support ${supportCount}`, { fusion: { ...DEFAULT_FUSION, supportCount } });
  for (const textWeight of [0, 0.3, 0.5]) add(`text weight ${textWeight}`, { fusion: { ...DEFAULT_FUSION, textWeight } });
  add('vector only', { textSide: 'none' });
  add('top 50 chunks', { topChunks: 50 });
  add('top 1000 chunks', { topChunks: 1000 });
  add('exemplars: first turn', { exemplarMode: 'first' });
  add('exemplars: first two joined', { exemplarMode: 'first-two-joined' });
  return variants;
}

function main(): void {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: tune-abcd.ts <abcd derived dir> [--sweep]');
  const { docs, conversations } = loadAbcd(dataDir);
  console.log(header());
  if (process.argv.includes('--sweep')) {
    for (const [label, config] of sweeps()) console.log(formatRow(label, evaluate(docs, conversations, config, 'hybrid', true)));
    return;
  }
  console.log(formatRow('BM25 docs-only', evaluate(docs, conversations, BASE, 'bm25', false)));
  console.log(formatRow('BM25 + exemplars', evaluate(docs, conversations, BASE, 'bm25', true)));
  console.log(formatRow('hybrid docs-only', evaluate(docs, conversations, BASE, 'hybrid', false)));
  console.log(formatRow('hybrid + exemplars', evaluate(docs, conversations, BASE, 'hybrid', true)));
}

main();
