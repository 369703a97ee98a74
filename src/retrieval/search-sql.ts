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

const POSTINGS_BUDGET = 2_000;

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
    -- BM25's IDF of the query's lexemes in this library; lexemes past half the entries (IDF under
    -- ln 2) say little. The conversation gives at most MAX_FULL_TEXT_TERMS words.
    query_terms AS (
      SELECT q.lexeme, quote_literal(q.lexeme)::tsquery AS match, s.df,
             ln(1 + (docs.df - s.df + 0.5) / (s.df + 0.5)) AS idf,
             sum(s.df) OVER (ORDER BY s.df, q.lexeme) AS postings_so_far
      FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $4))) q
      JOIN guidance_term_stats docs ON docs.library_id = $1 AND docs.term = ''
      JOIN guidance_term_stats s ON s.library_id = $1 AND s.term = q.lexeme
      WHERE s.df > 0 AND s.df * 2 <= docs.df
    ),
    -- Entries found by full-text search alone, through the GIN index. Only lexemes within a budget of
    -- postings (rarest first) open candidates, so a query of common words costs no more than a rare one.
    text_candidates AS (
      SELECT DISTINCT e.id
      FROM query_terms t JOIN guidance_entries e ON e.search_tsv @@ t.match
      WHERE t.postings_so_far <= ${POSTINGS_BUDGET} AND e.library_id = $1 AND ${ENTRY_FILTERS}
    ),
    -- Every candidate from either side ranked by the summed IDF of the query lexemes it contains.
    text_hits AS (
      SELECT e.id AS entry_id, NULL::text AS kind, ranked.value
      FROM guidance_entries e
      CROSS JOIN LATERAL (SELECT sum(t.idf) AS value FROM query_terms t WHERE e.search_tsv @@ t.match) ranked
      WHERE e.id IN (SELECT entry_id FROM vector_hits UNION SELECT id FROM text_candidates) AND ranked.value > 0
      ORDER BY ranked.value DESC
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
