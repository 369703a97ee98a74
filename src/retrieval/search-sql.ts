import { nearestChunksSql } from '../chunk-index/nearest-chunks.js';
import type { Db } from '../db/db.js';
import { indent } from '../db/sql-text.js';
import type { QueryTerm } from './conversation-query.js';

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
  /** Words for full-text search (stemmed by Postgres), and how much each counts; none for no text search. */
  textTerms: QueryTerm[];
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
  /** The entry has examples, so its centroid is more than its document. */
  has_examples: boolean;
}

const POSTINGS_BUDGET = 1_000;

/**
 * The request's filters on an entry `e`, given the parameters holding statuses, all-of tags, any-of
 * tags and the tools run. An entry applies once all its after_tools have run, and while none of its
 * before_tools has. Selection (selection-facts.ts) filters the always-on core the same way.
 */
export function entryFilters(p: { statuses: string; tags: string; anyTags: string; toolsRun: string }): string {
  return (
    `e.status = ANY(${p.statuses}::text[]) AND e.tags @> ${p.tags}::text[] AND (cardinality(${p.anyTags}::text[]) = 0 OR e.tags && ${p.anyTags}::text[]) ` +
    `AND e.after_tools <@ ${p.toolsRun}::text[] AND NOT (e.before_tools && ${p.toolsRun}::text[])`
  );
}
const ENTRY_FILTERS = entryFilters({ statuses: '$5', tags: '$6', anyTags: '$7', toolsRun: '$9' });

const ENTRY_FACTS = 'cardinality(e.after_tools) > 0 AS after_tools_met, cardinality(e.examples) > 0 AS has_examples';

// Okapi BM25's textbook parameters: term-frequency saturation and length normalisation.
const BM25_K1 = 1.2;
const BM25_B = 0.75;

/**
 * One query lexeme's BM25 share, as the statement computes it: `count` occurrences in an entry
 * whose length (distinct lexemes) is `relativeLength` times the candidates' average. For replays
 * that rank outside the database.
 */
export function bm25Term(idf: number, weight: number, count: number, relativeLength: number): number {
  return (idf * weight * count * (BM25_K1 + 1)) / (count + BM25_K1 * (1 - BM25_B + BM25_B * relativeLength));
}

const statements = new Map<number, string>();

/** Vector and full-text candidates in one statement (one round trip). */
export function searchStatement(dim: number): string {
  let statement = statements.get(dim);
  if (statement === undefined) statements.set(dim, (statement = composeSearch(dim)));
  return statement;
}

function composeSearch(dim: number): string {
  const vectorHits = nearestChunksSql({
    dim,
    vector: `$2::vector(${dim})`,
    library: '$1',
    embedder: '$3',
    // Literal, so the planner can use the centroids' own HNSW index (migrations/011_centroids.sql).
    chunkWhere: `$2::text IS NOT NULL AND c.kind = 'centroid'`,
    entryWhere: ENTRY_FILTERS,
    limit: '$8',
    select: `e.id AS entry_id, 1 - nearest.distance AS value, e.search_tsv, ${ENTRY_FACTS}`,
  });
  return `WITH vector_hits AS MATERIALIZED (
${indent(vectorHits)}
),
-- The query's lexemes with their weights (a word stems to at most one lexeme) and BM25's IDF in
-- this library; lexemes past half the entries (IDF under ln 2) say little.
query_terms AS MATERIALIZED (
  SELECT q.lexeme, quote_literal(q.lexeme)::tsquery AS match, q.weight, s.df,
         ln(1 + (docs.df - s.df + 0.5::float8) / (s.df + 0.5::float8)) AS idf,
         sum(s.df) OVER (ORDER BY s.df, q.lexeme) AS postings_so_far
  FROM (
    SELECT lx.lexeme, sum(w.weight) AS weight
    FROM unnest($4::text[], $10::float8[]) w(word, weight), unnest(to_tsvector('english', w.word)) lx
    GROUP BY lx.lexeme
  ) q
  JOIN guidance_term_stats docs ON docs.library_id = $1 AND docs.term = ''
  JOIN guidance_term_stats s ON s.library_id = $1 AND s.term = q.lexeme
  WHERE s.df > 0 AND s.df * 2 <= docs.df
),
-- Entries found by full-text search alone: one GIN scan for the OR of the lexemes within a budget
-- of postings (rarest first), so a query of common words costs no more than a rare one. The ones
-- holding the most query weight by IDF go on to BM25, which reads each candidate's whole tsvector:
-- over every posting it cost tens of milliseconds in a 10k library.
text_candidates AS (
  SELECT e.id AS entry_id, e.search_tsv, ${ENTRY_FACTS}
  FROM guidance_entries e
  CROSS JOIN LATERAL (SELECT sum(t.idf * t.weight) AS value FROM query_terms t WHERE e.search_tsv @@ t.match) matched
  WHERE e.library_id = $1 AND ${ENTRY_FILTERS}
    AND e.search_tsv @@ (SELECT coach_tsquery_or(t.match) FROM query_terms t WHERE t.postings_so_far <= ${POSTINGS_BUDGET})
  ORDER BY matched.value DESC, e.id
  LIMIT $8
),
candidates AS MATERIALIZED (
  SELECT entry_id, search_tsv, length(search_tsv) AS length, after_tools_met, has_examples FROM vector_hits
  UNION ALL
  SELECT entry_id, search_tsv, length(search_tsv), after_tools_met, has_examples FROM text_candidates WHERE entry_id NOT IN (SELECT entry_id FROM vector_hits)
),
-- Every candidate from either side ranked by BM25: a lexeme's count in the entry saturates, and an
-- entry's length (its distinct lexemes) is taken relative to the candidates' average, the entries
-- the query competes among. In float8 throughout: numeric arithmetic, per lexeme of every
-- candidate, was a third of this step's time.
text_hits AS (
  SELECT c.entry_id, ranked.value, c.after_tools_met, c.has_examples
  FROM candidates c
  CROSS JOIN (SELECT avg(length)::float8 AS length FROM candidates) average
  CROSS JOIN LATERAL (SELECT ${BM25_K1} * (1 - ${BM25_B} + ${BM25_B} * c.length / average.length) AS saturation) entry
  CROSS JOIN LATERAL (
    SELECT sum(t.idf * t.weight * ${BM25_K1 + 1} * u.count / (u.count + entry.saturation)) AS value
    FROM (SELECT lexeme, cardinality(positions)::float8 AS count FROM unnest(c.search_tsv)) u JOIN query_terms t ON t.lexeme = u.lexeme
  ) ranked
  WHERE ranked.value > 0
  ORDER BY ranked.value DESC
  LIMIT $8
)
SELECT 'vector' AS source, entry_id, value, after_tools_met, has_examples FROM vector_hits
UNION ALL
SELECT 'text', entry_id, value, after_tools_met, has_examples FROM text_hits`;
}

export function runSearch(db: Db, scope: SearchScope, input: SearchInput): Promise<SearchRow[]> {
  return db.transaction(async (tx) => {
    // Transaction-local, so the settings never leak to other users of a pooled connection. JIT
    // compiling costs more (up to seconds) than this statement runs, whatever the planner estimates
    // for a large pending table. Prepared, but planned for each query's own values: a generic plan
    // is one for every library sharing the table (it would search a small library through the
    // whole HNSW graph), and at 11k entries it read the tag index for an empty tag filter, 2× slower.
    await tx.query(
      "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)",
      [String(Math.max(scope.efSearch, scope.candidates))],
    );
    const params = [
      scope.libraryId, input.vector, scope.embedderId, input.textTerms.map((q) => q.term), input.statuses, input.tags, input.anyTags, scope.candidates, input.toolsRun,
      input.textTerms.map((q) => q.weight),
    ];
    return tx.query<SearchRow>(searchStatement(scope.dim), params, { prepared: true });
  });
}
