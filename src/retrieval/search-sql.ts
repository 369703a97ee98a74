import type { Db } from '../db/db.js';
import type { ChunkKind } from './fusion.js';

export interface SearchScope {
  libraryId: string;
  embedderId: string;
  dim: number;
  efSearch: number;
  /** Chunks taken from the vector index, and entries from full-text search. */
  candidates: number;
}

export interface SearchInput {
  /** pgvector text form, or null when the conversation has no searchable content. */
  vector: string | null;
  /** Words for full-text search, space-separated (stemmed by Postgres); '' for none. */
  textQuery: string;
  statuses: string[];
  tags: string[];
  anyTags: string[];
}

export interface SearchRow {
  source: 'vector' | 'text';
  entry_id: string;
  kind: ChunkKind | null;
  value: number;
}

const ENTRY_FILTERS =
  'e.status = ANY($5::text[]) AND e.tags @> $6::text[] AND (cardinality($7::text[]) = 0 OR e.tags && $7::text[])';

/**
 * Nearest chunks of one chunk table, entry filters applied inside the scan (with iterative HNSW
 * scans they do not eat into the LIMIT). The literal dimension lets the planner use the partial
 * HNSW index of that dimension.
 */
function nearestChunks(table: string, dim: number): string {
  const distance = `c.embedding::vector(${dim}) <=> $2::vector(${dim})`;
  return `(SELECT c.entry_id, c.kind, ${distance} AS distance
      FROM ${table} c JOIN guidance_entries e ON e.id = c.entry_id
      WHERE $2::text IS NOT NULL AND c.library_id = $1 AND c.embedder = $3 AND c.dim = ${dim} AND ${ENTRY_FILTERS}
      ORDER BY ${distance}
      LIMIT $8)`;
}

/**
 * Vector and full-text candidates in one statement (one round trip). Chunks not yet moved into
 * the HNSW index (guidance_chunks_pending) are searched exactly, so fresh writes are found at once.
 */
function statement(dim: number): string {
  return `
    WITH vector_hits AS (
      SELECT entry_id, kind, 1 - distance AS value
      FROM (${nearestChunks('guidance_chunks', dim)} UNION ALL ${nearestChunks('guidance_chunks_pending', dim)}) nearest
      ORDER BY distance
      LIMIT $8
    ),
    -- BM25's IDF of each query lexeme in this library. Lexemes in more than half the entries
    -- (IDF under ln 2) are skipped: they say little and cost the most to match.
    query_terms AS (
      SELECT q.lexeme, ln(1 + (docs.df - s.df + 0.5) / (s.df + 0.5)) AS idf
      FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $4))) q
      JOIN guidance_term_stats docs ON docs.library_id = $1 AND docs.term = ''
      JOIN guidance_term_stats s ON s.library_id = $1 AND s.term = q.lexeme
      WHERE s.df > 0 AND s.df * 2 <= docs.df
    ),
    -- Entries ranked by the summed IDF of the query lexemes they contain, one GIN lookup per lexeme.
    text_hits AS (
      SELECT e.id AS entry_id, NULL::text AS kind, sum(t.idf) AS value
      FROM query_terms t JOIN guidance_entries e ON e.search_tsv @@ quote_literal(t.lexeme)::tsquery
      WHERE e.library_id = $1 AND ${ENTRY_FILTERS}
      GROUP BY e.id
      ORDER BY value DESC
      LIMIT $8
    )
    SELECT 'vector' AS source, entry_id, kind, value FROM vector_hits
    UNION ALL
    SELECT 'text', entry_id, kind, value FROM text_hits`;
}

export function runSearch(db: Db, scope: SearchScope, input: SearchInput): Promise<SearchRow[]> {
  return db.transaction(async (tx) => {
    // Transaction-local, so the settings never leak to other users of a pooled connection.
    await tx.query("SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)", [
      String(Math.max(scope.efSearch, scope.candidates)),
    ]);
    return tx.query<SearchRow>(statement(scope.dim), [
      scope.libraryId, input.vector, scope.embedderId, input.textQuery, input.statuses, input.tags, input.anyTags, scope.candidates,
    ]);
  });
}
