import type { Db } from '../db/db.js';
import type { GuidanceEntry, Library } from '../library/types.js';
import { buildConversationQuery } from './conversation-query.js';
import type { Embedders } from './embedders.js';
import { fuseHits, type ChunkKind, type FusedEntry, type TextHit, type VectorHit } from './fusion.js';
import type { ChatMessage } from './messages.js';

export interface RetrieveRequest {
  messages: ChatMessage[];
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
  /** Postgres full-text rank (ts_rank_cd) and the same divided by the best rank of this query. */
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
    const hasVector = query.vector.some((x) => x !== 0);
    const { vectorHits, textHits } = await this.search(library, embedder.id, embedder.dimension, {
      vector: hasVector ? `[${query.vector.join(',')}]` : null,
      tsquery: query.terms.join(' | '),
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

  private async search(
    library: Library,
    embedderId: string,
    dim: number,
    q: { vector: string | null; tsquery: string; statuses: string[]; tags: string[]; anyTags: string[] },
  ): Promise<{ vectorHits: VectorHit[]; textHits: TextHit[] }> {
    const n = this.options.candidates;
    // The literal dimension lets the planner use the partial HNSW index of that dimension.
    const sql = `
      WITH vector_hits AS (
        SELECT c.entry_id, c.kind, 1 - (c.embedding::vector(${dim}) <=> $2::vector(${dim})) AS value
        FROM guidance_chunks c JOIN guidance_entries e ON e.id = c.entry_id
        WHERE $2::text IS NOT NULL AND c.library_id = $1 AND c.embedder = $3 AND c.dim = ${dim}
          AND e.status = ANY($5::text[]) AND e.tags @> $6::text[] AND (cardinality($7::text[]) = 0 OR e.tags && $7::text[])
        ORDER BY c.embedding::vector(${dim}) <=> $2::vector(${dim})
        LIMIT $8
      ),
      text_hits AS (
        SELECT e.id AS entry_id, NULL::text AS kind, ts_rank_cd(e.search_tsv, q) AS value
        FROM guidance_entries e, to_tsquery('english', $4) q
        WHERE $4 <> '' AND e.library_id = $1 AND e.search_tsv @@ q
          AND e.status = ANY($5::text[]) AND e.tags @> $6::text[] AND (cardinality($7::text[]) = 0 OR e.tags && $7::text[])
        ORDER BY value DESC
        LIMIT $8
      )
      SELECT 'vector' AS source, entry_id, kind, value FROM vector_hits
      UNION ALL
      SELECT 'text', entry_id, kind, value FROM text_hits`;
    const rows = await this.db.transaction(async (tx) => {
      // SET LOCAL semantics: these must not leak to other users of a pooled connection.
      await tx.query(
        "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
        [String(Math.max(this.options.efSearch, n))],
      );
      return tx.query<{ source: string; entry_id: string; kind: ChunkKind | null; value: number }>(sql, [
        library.id, q.vector, embedderId, q.tsquery, q.statuses, q.tags, q.anyTags, n,
      ]);
    });
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
