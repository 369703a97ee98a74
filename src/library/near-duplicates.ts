import { inBothTables } from '../chunk-index/chunk-tables.js';
import { nearestChunksSql } from '../chunk-index/nearest-chunks.js';
import type { Queryable } from '../db/db.js';
import { indent } from '../db/sql-text.js';
import type { Embedder } from '../retrieval/embedder.js';
import type { GuidanceEntry, Library } from './types.js';

export interface NearDuplicate {
  id: string;
  external_id: string | null;
  /** Cosine similarity of the two entries' scenarios. */
  similarity: number;
}

/** $1 library, $2 the entry, $3 the embedder: its five live neighbours by scenario, its own scenario chunk as the query. */
export function nearDuplicatesStatement(dim: number): string {
  const ownScenario = inBothTables(
    (table) => `SELECT embedding FROM ${table} WHERE entry_id = $2 AND embedder = $3 AND kind = 'scenario' AND dim = ${dim}`,
  );
  const nearest = nearestChunksSql({
    dim,
    from: 'mine',
    vector: 'mine.v',
    library: '$1',
    embedder: '$3',
    chunkWhere: "c.kind = 'scenario' AND c.entry_id <> $2",
    entryWhere: "e.status <> 'retired'",
    limit: '5',
    select: 'e.id, e.external_id, 1 - nearest.distance AS similarity',
  });
  return `WITH mine AS (
  SELECT embedding::vector(${dim}) AS v FROM (
${indent(ownScenario, 4)}
  ) own LIMIT 1
)
${nearest}`;
}

/**
 * Live entries of the same library whose scenario is nearly the same as this one's: the same
 * conversational state, so the caller should merge rather than keep two entries for it.
 */
export async function findNearDuplicates(
  db: Queryable,
  library: Library,
  embedder: Embedder,
  entry: GuidanceEntry,
  threshold: number,
): Promise<NearDuplicate[]> {
  const rows = await db.query<NearDuplicate>(nearDuplicatesStatement(embedder.dimension), [library.id, entry.id, embedder.id]);
  return rows.filter((row) => row.similarity >= threshold).map((row) => ({ ...row, similarity: Number(row.similarity) }));
}
