import { indent } from '../db/sql-text.js';
import { inBothTables } from './chunk-tables.js';

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
  /** What each scan returns beside `distance`: columns of the chunk `c` and of its entry `e`. */
  columns: string;
  /**
   * Conditions on `c` and `e`, applied inside each scan: with iterative HNSW scans
   * (hnsw.iterative_scan) they do not eat into the LIMIT.
   */
  where: string;
  limit: string;
  /** The select list over `nearest`: the scans' columns and `distance`. */
  select: string;
  /** Another FROM item of each scan, such as the CTE holding the query vector. */
  from?: string;
}

/** The chunks nearest a vector (cosine) in both chunk tables, nearest first: one scan per table, merged. */
export function nearestChunksSql(q: NearestChunks): string {
  const distance = `c.embedding::vector(${q.dim}) <=> ${q.vector}`;
  const from = q.from === undefined ? '' : `${q.from}, `;
  const scan = (table: string) => `(SELECT ${q.columns}, ${distance} AS distance
  FROM ${from}${table} c JOIN guidance_entries e ON e.id = c.entry_id
  WHERE c.library_id = ${q.library} AND c.embedder = ${q.embedder} AND c.dim = ${q.dim}
    AND ${q.where}
  ORDER BY ${distance}
  LIMIT ${q.limit})`;
  return `SELECT ${q.select}
FROM (
${indent(inBothTables(scan))}
) nearest
ORDER BY distance
LIMIT ${q.limit}`;
}
