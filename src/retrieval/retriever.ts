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
  filters?: {
    /** Entries having all of these. */
    tags?: string[];
    /** Entries having at least one of these. */
    anyTags?: string[];
  };
  minScore?: number;
  /** Drafts too (never retired entries). */
  includeDrafts?: boolean;
}

export interface RetrievedGuidance extends Pick<GuidanceEntry, 'id' | 'external_id' | 'version' | 'scenario' | 'guidance' | 'tags' | 'policy_refs' | 'status'> {
  score: number;
  explanation: FusedEntry['explanation'];
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
    const statuses = request.includeDrafts === true ? ['approved', 'draft'] : ['approved'];
    const { vectorHits, textHits } = await this.search(library, embedder.id, embedder.dimension, {
      vector: vectorLiteral(query.vector),
      textQuery: query.terms.join(' '),
      statuses,
      tags: request.filters?.tags ?? [],
      anyTags: request.filters?.anyTags ?? [],
    });
    const minScore = request.minScore ?? 0;
    const ranked = fuseHits(vectorHits, textHits)
      .filter((entry) => entry.score >= minScore)
      .slice(0, request.k);
    const entries = await this.entries(ranked.map((r) => r.entryId));
    const results = ranked.flatMap((fused) => {
      const entry = entries.get(fused.entryId);
      if (entry === undefined) return [];
      const { id, external_id, version, scenario, guidance, tags, policy_refs, status } = entry;
      return [{ id, external_id, version, scenario, guidance, tags, policy_refs, status, score: fused.score, explanation: fused.explanation }];
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
