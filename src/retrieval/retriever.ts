import type { ChunkKind } from '../chunk-index/entry-chunks.js';
import { vectorLiteral } from '../chunk-index/vector-literal.js';
import type { Db } from '../db/db.js';
import type { GuidanceEntry, Library } from '../library/types.js';
import { buildConversationQuery } from './conversation-query.js';
import type { Embedders } from './embedders.js';
import { fuseHits, type FusedEntry, type TextHit, type VectorHit } from './fusion.js';
import { runSearch, type SearchInput } from './search-sql.js';
import type { ChatMessage, ToolMessage } from '../messages.js';

export interface RetrieveRequest {
  messages: (ChatMessage | ToolMessage)[];
  k: number;
  filters?: { tags?: string[]; any_tags?: string[] };
  min_score?: number;
  include_drafts?: boolean;
}

export interface Explanation {
  /** Mean of the entry's best chunk similarities: how close its scenario/examples/guidance are to the conversation. */
  vector_score: number;
  best_similarity: number;
  best_chunk: ChunkKind | null;
  matched_chunks: number;
  /** Full-text rank (summed BM25 IDF of the query words the entry contains) and the same divided by the best rank of this query. */
  text_rank: number;
  text_rank_normalised: number;
  /** score = vector_weight × vector_score + text_weight × text_rank_normalised. */
  vector_weight: number;
  text_weight: number;
}

export interface RetrievedGuidance extends Pick<GuidanceEntry, 'id' | 'external_id' | 'version' | 'scenario' | 'guidance' | 'tags' | 'policy_refs' | 'status'> {
  score: number;
  explanation: Explanation;
}

export interface RetrieveResult {
  results: RetrievedGuidance[];
  query: string;
}

export interface RetrieverOptions {
  efSearch: number;
  /** Chunks fetched from the vector index and entries from full-text search before fusion. */
  candidates: number;
}

function explain(fused: FusedEntry): Explanation {
  const { vector, text, fused: weights } = fused.explanation;
  return {
    vector_score: vector.score,
    best_similarity: vector.bestSimilarity,
    best_chunk: vector.bestChunkKind,
    matched_chunks: vector.matchedChunks,
    text_rank: text.rank,
    text_rank_normalised: text.normalised,
    vector_weight: weights.vectorWeight,
    text_weight: weights.textWeight,
  };
}

/**
 * LLM-free retrieval: one query vector and one OR full-text query from the conversation, both
 * searched in a single statement, fused per entry in process.
 */
export class Retriever {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly options: RetrieverOptions,
  ) {}

  async retrieve(library: Library, request: RetrieveRequest): Promise<RetrieveResult> {
    const embedder = this.embedders.get(library.embedder);
    const query = await buildConversationQuery(request.messages, embedder);
    const statuses = request.include_drafts === true ? ['approved', 'draft'] : ['approved'];
    const { vectorHits, textHits } = await this.search(library, embedder.id, embedder.dimension, {
      vector: vectorLiteral(query.vector),
      textQuery: query.terms.join(' '),
      statuses,
      tags: request.filters?.tags ?? [],
      anyTags: request.filters?.any_tags ?? [],
    });
    const minScore = request.min_score ?? 0;
    const ranked = fuseHits(vectorHits, textHits)
      .filter((entry) => entry.score >= minScore)
      .slice(0, request.k);
    const entries = await this.entries(ranked.map((r) => r.entryId));
    const results = ranked.flatMap((fused) => {
      const entry = entries.get(fused.entryId);
      if (entry === undefined) return [];
      const { id, external_id, version, scenario, guidance, tags, policy_refs, status } = entry;
      return [{ id, external_id, version, scenario, guidance, tags, policy_refs, status, score: fused.score, explanation: explain(fused) }];
    });
    return { results, query: query.query };
  }

  private async search(library: Library, embedderId: string, dim: number, q: SearchInput): Promise<{ vectorHits: VectorHit[]; textHits: TextHit[] }> {
    const rows = await runSearch(this.db, { libraryId: library.id, embedderId, dim, efSearch: this.options.efSearch, candidates: this.options.candidates }, q);
    const vectorHits: VectorHit[] = [];
    const textHits: TextHit[] = [];
    for (const row of rows) {
      if (row.source === 'vector') vectorHits.push({ entryId: row.entry_id, chunkKind: row.kind!, similarity: Number(row.value) });
      else textHits.push({ entryId: row.entry_id, textRank: Number(row.value) });
    }
    return { vectorHits, textHits };
  }

  private async entries(ids: string[]): Promise<Map<string, GuidanceEntry>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<GuidanceEntry>(
      'SELECT id, external_id, version, scenario, guidance, tags, policy_refs, status FROM guidance_entries WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }
}
