import { indent } from '../db/sql-text.js';
import { INDEXED_CHUNKS, PENDING_CHUNKS } from './chunk-tables.js';

export interface NearestChunks {
  /**
   * The embedder's dimension, written into the statement: the HNSW indexes are partial, one per
   * dimension, and the planner uses one only for a literal dimension.
   */
  dim: number;
  /** An expression of type vector(dim): a cast parameter, or a column of `from`. */
  vector: string;
  /** Expressions (parameters) naming the library and the embedder whose chunks are searched. */
  library: string;
  embedder: string;
  /** Conditions on the chunk `c` alone; they must imply a partial HNSW index's predicate (its kind). */
  chunkWhere: string;
  /**
   * Conditions on the chunk's entry `e`, checked for each chunk the scan yields. A correlated
   * subquery, never a join: joined, the planner estimates the entries' filters on their own and
   * prefers a nested loop over every entry with an exact sort to the index. With iterative HNSW
   * scans (hnsw.iterative_scan) rejected chunks do not eat into the LIMIT.
   */
  entryWhere: string;
  limit: string;
  /** The select list over the nearest chunks `nearest` (entry_id, distance) and their entries `e`. */
  select: string;
  /** Another FROM item of each scan, such as the CTE holding the query vector. */
  from?: string;
}

/**
 * The order the chunks' HNSW indexes keep, of `column` to the vector expression `vector`: they are
 * over half-precision vectors (migrations/022_halfvec_indexes.sql), so their order finds the
 * nearest while the full vectors give the distances.
 */
export function hnswOrder(dim: number, column: string, vector: string): string {
  return `${column}::halfvec(${dim}) <=> (${vector})::halfvec(${dim})`;
}

/**
 * The chunks nearest a vector (cosine) in both chunk tables, nearest first: one scan per table, merged.
 * The indexed table is scanned by its HNSW index, which yields chunks nearest first (by their
 * half-precision vectors) and checks each one's entry as it goes. The pending table has no such
 * index: all its chunks of the library are sorted by distance (OFFSET 0 keeps the entry check from
 * being pushed below the sort), then entries are checked nearest first until the LIMIT is met, so
 * a large backlog costs one check per chunk returned rather than one per chunk pending.
 */
export function nearestChunksSql(q: NearestChunks): string {
  const distance = `c.embedding::vector(${q.dim}) <=> ${q.vector}`;
  const from = q.from === undefined ? '' : `${q.from}, `;
  const chunksOf = (table: string) => `FROM ${from}${table} c
WHERE c.library_id = ${q.library} AND c.embedder = ${q.embedder} AND c.dim = ${q.dim}
  AND ${q.chunkWhere}`;
  const entryMatches = (chunk: string) => `coalesce((SELECT ${q.entryWhere} FROM guidance_entries e WHERE e.id = ${chunk}.entry_id), false)`;
  const indexed = `(SELECT c.entry_id, ${distance} AS distance
${indent(chunksOf(INDEXED_CHUNKS))}
    AND ${entryMatches('c')}
  ORDER BY ${hnswOrder(q.dim, 'c.embedding', q.vector)}
  LIMIT ${q.limit})`;
  const pending = `(SELECT sorted.entry_id, sorted.distance
  FROM (SELECT c.entry_id, ${distance} AS distance
${indent(chunksOf(PENDING_CHUNKS), 4)}
    ORDER BY ${distance}
    OFFSET 0) sorted
  WHERE ${entryMatches('sorted')}
  LIMIT ${q.limit})`;
  return `SELECT ${q.select}
FROM (
${indent(`${indexed}\nUNION ALL\n${pending}`)}
) nearest
JOIN guidance_entries e ON e.id = nearest.entry_id
ORDER BY nearest.distance
LIMIT ${q.limit}`;
}
