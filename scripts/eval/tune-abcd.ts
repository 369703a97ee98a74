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
import {
  DEFAULT_WEIGHTING,
  fullTextTerms,
  queryPieces,
  queryVector,
  type QueryWeighting,
} from '../../src/retrieval/conversation-query.js';
import type { Embedder } from '../../src/retrieval/embedder.js';
import type { ChatMessage } from '../../src/messages.js';
import type { ChunkKind } from '../../src/chunk-index/entry-chunks.js';
import { DEFAULT_FUSION, fuseHits, type FusionOptions, type VectorHit } from '../../src/retrieval/fusion.js';
import { contentTokens, DEFAULT_DIMENSION, LocalEmbedder, type LocalEmbedderOptions } from '../../src/retrieval/local-embedder.js';

const FOLDS = 5;

interface TuningConfig {
  embedder: LocalEmbedderOptions;
  weighting: QueryWeighting;
  fusion: FusionOptions;
  /** How many chunks the vector search returns, as HNSW `LIMIT` would. */
  topChunks: number;
  exemplarMode: ExemplarMode;
  /**
   * Text side of the fusion over the FTS terms: BM25, an IDF-free stand-in for
   * `ts_rank_cd(tsv, query, 1)` (matched-term occurrences / (1 + ln length)), the summed IDF
   * of the matched terms (doable in SQL with a term→df table), or nothing.
   */
  textSide: 'bm25' | 'ts-rank-cd' | 'idf-match' | 'none';
  /** Weighted sum of normalised scores (production) or reciprocal rank fusion (k = 60), for comparison. */
  fusionMethod: 'weighted' | 'rrf';
}

const BASE: TuningConfig = {
  embedder: { dimension: DEFAULT_DIMENSION },
  weighting: DEFAULT_WEIGHTING,
  fusion: DEFAULT_FUSION,
  topChunks: 200,
  exemplarMode: 'first-two-joined',
  textSide: 'bm25',
  fusionMethod: 'weighted',
};

type Ranker = 'bm25' | 'hybrid';
type Results = Map<Checkpoint, { goldId: string; rankedIds: string[] }[]>;

interface Chunk {
  entryId: string;
  kind: ChunkKind;
  vector: number[];
}

/** Conversation prefixes and folds repeat the same texts many times; embedding each once keeps sweeps quick. */
class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private readonly cache = new Map<string, number[]>();
  constructor(private readonly inner: LocalEmbedder) {
    this.id = inner.id;
    this.dimension = inner.dimension;
  }
  vector(text: string): number[] {
    let vector = this.cache.get(text);
    if (!vector) {
      vector = this.inner.embedOne(text);
      this.cache.set(text, vector);
    }
    return vector;
  }
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.vector(text));
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

/** IDF-free and IDF-only alternatives to BM25, to see how much the fusion depends on the text engine. */
class TermMatchRankers {
  private readonly documents: { id: string; logLength: number; counts: Map<string, number> }[];
  constructor(entries: EvalEntry[]) {
    this.documents = entries.map((entry) => {
      const tokens = contentTokens(entryText(entry));
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      return { id: entry.id, logLength: Math.log(Math.max(1, tokens.length)), counts };
    });
  }
  /** For an OR-query every matched occurrence is its own cover, so ts_rank_cd reduces to a length-normalised count. */
  coverDensity(terms: string[]): { entryId: string; textRank: number }[] {
    return this.documents
      .map((doc) => ({ entryId: doc.id, textRank: terms.reduce((sum, term) => sum + (doc.counts.get(term) ?? 0), 0) / (1 + doc.logLength) }))
      .filter((hit) => hit.textRank > 0);
  }
  /** Sum of the IDFs of the matched terms, ignoring term frequency and length. */
  idfMatch(terms: string[]): { entryId: string; textRank: number }[] {
    const n = this.documents.length;
    const idf = new Map(terms.map((term) => {
      const df = this.documents.filter((doc) => doc.counts.has(term)).length;
      return [term, Math.log(1 + (n - df + 0.5) / (df + 0.5))];
    }));
    return this.documents
      .map((doc) => ({ entryId: doc.id, textRank: terms.reduce((sum, term) => sum + (doc.counts.has(term) ? idf.get(term)! : 0), 0) }))
      .filter((hit) => hit.textRank > 0);
  }
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

async function rankHybrid(
  messages: ChatMessage[],
  chunks: Chunk[],
  index: Bm25Index,
  termMatch: TermMatchRankers,
  embedder: CachedEmbedder,
  config: TuningConfig,
): Promise<string[]> {
  const pieces = queryPieces(messages, config.weighting);
  const query = await queryVector(embedder, pieces);
  const vectorHits: VectorHit[] = chunks
    .map((chunk) => ({ entryId: chunk.entryId, chunkKind: chunk.kind, similarity: dot(query, chunk.vector) }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, config.topChunks);
  const terms = fullTextTerms(pieces);
  const textHits =
    config.textSide === 'bm25'
      ? index.search(terms).map((hit) => ({ entryId: hit.id, textRank: hit.score }))
      : config.textSide === 'ts-rank-cd'
        ? termMatch.coverDensity(terms)
        : config.textSide === 'idf-match'
          ? termMatch.idfMatch(terms)
          : [];
  if (config.fusionMethod === 'rrf') return reciprocalRankFusion(vectorHits, textHits, config.fusion);
  return fuseHits(vectorHits, textHits, config.fusion).map((entry) => entry.entryId);
}

function reciprocalRankFusion(vectorHits: VectorHit[], textHits: { entryId: string; textRank: number }[], fusion: FusionOptions): string[] {
  const k = 60;
  const scores = new Map<string, number>();
  const add = (ids: string[], weight: number): void =>
    ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  add(fuseHits(vectorHits, [], { ...fusion, textWeight: 0 }).map((entry) => entry.entryId), 1 - fusion.textWeight);
  add([...textHits].sort((a, b) => b.textRank - a.textRank).map((hit) => hit.entryId), fusion.textWeight);
  return [...scores].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}

function rankBm25(messages: ChatMessage[], index: Bm25Index): string[] {
  const tokens = messages.flatMap((message) => contentTokens(message.content));
  return index.search(tokens).map((hit) => hit.id);
}

async function evaluate(
  docs: GuidanceDoc[],
  conversations: AbcdConversation[],
  config: TuningConfig,
  ranker: Ranker,
  withExamples: boolean,
): Promise<Map<Checkpoint, RankingMetrics>> {
  const embedder = new CachedEmbedder(new LocalEmbedder(config.embedder));
  const results: Results = new Map(CHECKPOINTS.map((checkpoint) => [checkpoint, []]));
  for (const { entries: withExemplars, heldOut } of kFoldSplits(docs, conversations, FOLDS, config.exemplarMode)) {
    const entries = withExamples ? withExemplars : withExemplars.map((entry) => ({ ...entry, examples: [] }));
    const index = new Bm25Index(entries.map((entry) => ({ id: entry.id, tokens: contentTokens(entryText(entry)) })));
    const termMatch = new TermMatchRankers(entries);
    const chunks = ranker === 'hybrid' ? chunksOf(entries, embedder) : [];
    for (const conversation of heldOut) {
      for (const checkpoint of CHECKPOINTS) {
        const messages = conversationPrefix(conversation, checkpoint);
        const rankedIds =
          ranker === 'bm25' ? rankBm25(messages, index) : await rankHybrid(messages, chunks, index, termMatch, embedder, config);
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
  return `${label.padEnd(38)} | ${cells.join(' | ')}`;
}

function header(): string {
  const cells = CHECKPOINTS.map((checkpoint) => `turn ${String(checkpoint).padEnd(5)} a@1 r@5 mrr`.padEnd(17));
  return `${'ranker'.padEnd(38)} | ${cells.join(' | ')}`;
}

function sweeps(): [string, TuningConfig][] {
  const variants: [string, TuningConfig][] = [['chosen defaults', BASE]];
  const add = (label: string, change: Partial<TuningConfig>): void => {
    variants.push([label, { ...BASE, ...change }]);
  };
  for (const dimension of [256, 384, 768, 1024]) add(`dimension ${dimension}`, { embedder: { dimension } });
  add('words only', { embedder: { weights: { bigram: 0, char: 0 } } });
  add('no bigrams', { embedder: { weights: { bigram: 0 } } });
  add('no char n-grams', { embedder: { weights: { char: 0 } } });
  add('char n-grams 2..4', { embedder: { charNgramRange: [2, 4] } });
  add('char weight 1.5', { embedder: { weights: { char: 1.5 } } });
  add('no recency decay', { weighting: { ...DEFAULT_WEIGHTING, recencyDecay: 1 } });
  add('recency decay 0.5', { weighting: { ...DEFAULT_WEIGHTING, recencyDecay: 0.5 } });
  add('agent weight 0', { weighting: { ...DEFAULT_WEIGHTING, agentWeight: 0 } });
  add('full weight at 2 words', { weighting: { ...DEFAULT_WEIGHTING, fullWeightContentWords: 2 } });
  add('max over chunks (support 1)', { fusion: { ...DEFAULT_FUSION, supportCount: 1 } });
  add('support 3', { fusion: { ...DEFAULT_FUSION, supportCount: 3 } });
  add('support 8', { fusion: { ...DEFAULT_FUSION, supportCount: 8 } });
  add('text weight 0.3', { fusion: { ...DEFAULT_FUSION, textWeight: 0.3 } });
  add('RRF, text weight 0.5', { fusionMethod: 'rrf', fusion: { ...DEFAULT_FUSION, textWeight: 0.5 } });
  add('text: vector only', { textSide: 'none' });
  add('text: IDF of matched terms', { textSide: 'idf-match' });
  add('text: ts_rank_cd-like', { textSide: 'ts-rank-cd' });
  add('text: ts_rank_cd-like, weight 0.1', { textSide: 'ts-rank-cd', fusion: { ...DEFAULT_FUSION, textWeight: 0.1 } });
  add('top 50 chunks', { topChunks: 50 });
  add('exemplars: first turn', { exemplarMode: 'first' });
  add('exemplars: first two separate', { exemplarMode: 'first-two-separate' });
  add('exemplars: opening statement', { exemplarMode: 'opening-statement' });
  return variants;
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: tune-abcd.ts <abcd derived dir> [--sweep [--part=i/n]]');
  const { docs, conversations } = loadAbcd(dataDir);
  console.log(header());
  if (process.argv.includes('--sweep')) {
    // --part=i/n runs every n-th variant so sweeps can use several cores.
    const [part, parts] = (process.argv.find((arg) => arg.startsWith('--part='))?.slice(7) ?? '0/1').split('/').map(Number);
    const mine = sweeps().filter((_, i) => i % parts! === part);
    for (const [label, config] of mine) console.log(formatRow(label, await evaluate(docs, conversations, config, 'hybrid', true)));
    return;
  }
  const rows: [string, TuningConfig, Ranker, boolean][] = [
    ['BM25 docs-only', BASE, 'bm25', false],
    ['BM25 + exemplars', BASE, 'bm25', true],
    ['hybrid docs-only', BASE, 'hybrid', false],
    ['hybrid + exemplars', BASE, 'hybrid', true],
    ['hybrid + exemplars, vector only', { ...BASE, textSide: 'none' }, 'hybrid', true],
    ['hybrid + exemplars, ts_rank_cd-like', { ...BASE, textSide: 'ts-rank-cd' }, 'hybrid', true],
  ];
  for (const [label, config, ranker, withExamples] of rows) {
    console.log(formatRow(label, await evaluate(docs, conversations, config, ranker, withExamples)));
  }
}

await main();
