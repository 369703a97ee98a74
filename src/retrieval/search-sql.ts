import { nearestChunksSql } from '../chunk-index/nearest-chunks.js';
import type { Db } from '../db/db.js';
import { indent } from '../db/sql-text.js';

export interface SearchScope {
  libraryId: string;
  embedderId: string;
  dim: number;
  efSearch: number;
  /** Entries taken from the vector index (one centroid each), and from full-text search. */
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
  /** The tools that have run in the conversation (see toolsRun). */
  toolsRun: string[];
}

export interface SearchRow {
  source: 'vector' | 'text';
  entry_id: string;
  value: number;
  /** The entry has after_tools, and (by the filter) every one of them has run. */
  after_tools_met: boolean;
}

const POSTINGS_BUDGET = 2_000;

// An entry applies once all its after_tools have run, and while none of its before_tools has.
const ENTRY_FILTERS =
  'e.status = ANY($5::text[]) AND e.tags @> $6::text[] AND (cardinality($7::text[]) = 0 OR e.tags && $7::text[]) ' +
  'AND e.after_tools <@ $9::text[] AND NOT (e.before_tools && $9::text[])';

/** Vector and full-text candidates in one statement (one round trip). */
export function searchStatement(dim: number): string {
  const vectorHits = nearestChunksSql({
    dim,
    vector: `$2::vector(${dim})`,
    library: '$1',
    embedder: '$3',
    // Literal, so the planner can use the centroids' own HNSW index (migrations/011_centroids.sql).
    chunkWhere: `$2::text IS NOT NULL AND c.kind = 'centroid'`,
    entryWhere: ENTRY_FILTERS,
    limit: '$8',
    select: 'e.id AS entry_id, 1 - nearest.distance AS value, e.search_tsv, cardinality(e.after_tools) > 0 AS after_tools_met',
  });
  return `WITH vector_hits AS MATERIALIZED (
${indent(vectorHits)}
),
-- BM25's IDF of the query's lexemes in this library; lexemes past half the entries (IDF under
-- ln 2) say little. The conversation gives at most MAX_FULL_TEXT_TERMS words.
query_terms AS MATERIALIZED (
  SELECT q.lexeme, quote_literal(q.lexeme)::tsquery AS match, s.df,
         ln(1 + (docs.df - s.df + 0.5) / (s.df + 0.5)) AS idf,
         sum(s.df) OVER (ORDER BY s.df, q.lexeme) AS postings_so_far
  FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $4))) q
  JOIN guidance_term_stats docs ON docs.library_id = $1 AND docs.term = ''
  JOIN guidance_term_stats s ON s.library_id = $1 AND s.term = q.lexeme
  WHERE s.df > 0 AND s.df * 2 <= docs.df
),
-- Entries found by full-text search alone: one GIN scan for the OR of the lexemes within a budget
-- of postings (rarest first), so a query of common words costs no more than a rare one.
text_candidates AS (
  SELECT e.id AS entry_id, e.search_tsv, cardinality(e.after_tools) > 0 AS after_tools_met
  FROM guidance_entries e
  WHERE e.library_id = $1 AND ${ENTRY_FILTERS}
    AND e.search_tsv @@ (SELECT coach_tsquery_or(t.match) FROM query_terms t WHERE t.postings_so_far <= ${POSTINGS_BUDGET})
),
-- Every candidate from either side ranked by the summed IDF of the query lexemes it contains.
text_hits AS (
  SELECT candidate.entry_id, ranked.value, candidate.after_tools_met
  FROM (
    SELECT entry_id, search_tsv, after_tools_met FROM vector_hits
    UNION ALL
    SELECT entry_id, search_tsv, after_tools_met FROM text_candidates WHERE entry_id NOT IN (SELECT entry_id FROM vector_hits)
  ) candidate
  CROSS JOIN LATERAL (SELECT sum(t.idf) AS value FROM query_terms t WHERE candidate.search_tsv @@ t.match) ranked
  WHERE ranked.value > 0
  ORDER BY ranked.value DESC
  LIMIT $8
)
SELECT 'vector' AS source, entry_id, value, after_tools_met FROM vector_hits
UNION ALL
SELECT 'text', entry_id, value, after_tools_met FROM text_hits`;
}

export function runSearch(db: Db, scope: SearchScope, input: SearchInput): Promise<SearchRow[]> {
  return db.transaction(async (tx) => {
    // Transaction-local, so the settings never leak to other users of a pooled connection. JIT
    // compiling costs more (up to seconds) than this statement runs, whatever the planner estimates
    // for a large pending table.
    await tx.query(
      "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('jit', 'off', true)",
      [String(Math.max(scope.efSearch, scope.candidates))],
    );
    return tx.query<SearchRow>(searchStatement(scope.dim), [
      scope.libraryId, input.vector, scope.embedderId, input.textQuery, input.statuses, input.tags, input.anyTags, scope.candidates, input.toolsRun,
    ]);
  });
}
