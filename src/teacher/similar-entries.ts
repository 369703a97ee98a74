import type { Db } from '../db/db.js';
import type { Library } from '../library/types.js';
import type { Embedders } from '../retrieval/embedders.js';

export interface SimilarEntry {
  id: string;
  similarity: number;
}

/**
 * The live entry whose scenario is most similar to a scenario not yet written, if it reaches the
 * library's near-duplicate threshold: the same state, so the new guidance becomes a version of it.
 * (findNearDuplicates needs the entry to exist; the teacher decides before writing.)
 */
export class SimilarEntries {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly threshold: number,
  ) {}

  async nearest(library: Library, scenario: string): Promise<SimilarEntry | null> {
    const embedder = this.embedders.get(library.embedder);
    const [vector] = await embedder.embed([scenario]);
    if (vector === undefined || vector.every((x) => x === 0)) return null;
    const dim = embedder.dimension;
    const distance = `c.embedding::vector(${dim}) <=> $3::vector(${dim})`;
    // New chunks may still be pending (not yet moved to the indexed table): search both.
    const nearest = (table: string) => `(
      SELECT e.id, ${distance} AS distance
      FROM ${table} c JOIN guidance_entries e ON e.id = c.entry_id
      WHERE c.library_id = $1 AND c.embedder = $2 AND c.kind = 'scenario' AND c.dim = ${dim} AND e.status <> 'retired'
      ORDER BY ${distance} LIMIT 1)`;
    const [row] = await this.db.query<{ id: string; distance: number }>(
      `SELECT id, distance FROM (${nearest('guidance_chunks')} UNION ALL ${nearest('guidance_chunks_pending')}) candidates ORDER BY distance LIMIT 1`,
      [library.id, embedder.id, `[${vector.join(',')}]`],
    );
    if (row === undefined) return null;
    const similarity = 1 - Number(row.distance);
    return similarity >= this.threshold ? { id: row.id, similarity } : null;
  }
}
