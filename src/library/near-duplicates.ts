import type { Queryable } from '../db/db.js';
import type { Embedder } from '../retrieval/embedder.js';
import type { GuidanceEntry, Library } from './types.js';

export interface NearDuplicate {
  id: string;
  external_id: string | null;
  /** Cosine similarity of the two entries' scenarios. */
  similarity: number;
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
  const dim = embedder.dimension;
  const distance = `c.embedding::vector(${dim}) <=> mine.v`;
  // Fresh chunks may still be pending (not yet in the HNSW table): search both tables.
  const nearest = (table: string) => `(
    SELECT e.id, e.external_id, ${distance} AS distance
    FROM mine, ${table} c JOIN guidance_entries e ON e.id = c.entry_id
    WHERE c.library_id = $1 AND c.embedder = $3 AND c.kind = 'scenario' AND c.dim = ${dim}
      AND c.entry_id <> $2 AND e.status <> 'retired'
    ORDER BY ${distance}
    LIMIT 5)`;
  // The literal dimension lets the planner use the partial HNSW index of that dimension.
  const rows = await db.query<NearDuplicate>(
    `WITH mine AS (
       SELECT embedding::vector(${dim}) AS v FROM (
         SELECT embedding FROM guidance_chunks WHERE entry_id = $2 AND embedder = $3 AND kind = 'scenario' AND dim = ${dim}
         UNION ALL
         SELECT embedding FROM guidance_chunks_pending WHERE entry_id = $2 AND embedder = $3 AND kind = 'scenario' AND dim = ${dim}
       ) own LIMIT 1
     )
     SELECT id, external_id, 1 - distance AS similarity
     FROM (${nearest('guidance_chunks')} UNION ALL ${nearest('guidance_chunks_pending')}) candidates
     ORDER BY distance
     LIMIT 5`,
    [library.id, entry.id, embedder.id],
  );
  return rows.filter((row) => row.similarity >= threshold).map((row) => ({ ...row, similarity: Number(row.similarity) }));
}
