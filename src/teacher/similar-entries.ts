import { nearestChunksSql } from '../chunk-index/nearest-chunks.js';
import { vectorLiteral } from '../chunk-index/vector-literal.js';
import type { Db, Queryable } from '../db/db.js';
import type { Library } from '../library/types.js';
import type { Embedders } from '../retrieval/embedders.js';

export interface SimilarEntry {
  id: string;
  similarity: number;
}

/** $1 library, $2 embedder, $3 a scenario's vector: the live entry with the nearest scenario. */
export function similarEntryStatement(dim: number): string {
  return nearestChunksSql({
    dim,
    vector: `$3::vector(${dim})`,
    library: '$1',
    embedder: '$2',
    chunkWhere: "c.kind = 'scenario'",
    entryWhere: "e.status <> 'retired'",
    limit: '1',
    select: 'e.id, nearest.distance',
  });
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
    return this.nearestTo(this.db, library, await this.vector(library, scenario));
  }

  /** The scenario's vector, embedded outside any transaction, for nearestTo. */
  async vector(library: Library, scenario: string): Promise<string | null> {
    const [vector] = await this.embedders.get(library.embedder).embed([scenario]);
    return vector === undefined ? null : vectorLiteral(vector);
  }

  /** As nearest, on `db` (a transaction that must see the entries written before it). */
  async nearestTo(db: Queryable, library: Library, literal: string | null): Promise<SimilarEntry | null> {
    if (literal === null) return null;
    const embedder = this.embedders.get(library.embedder);
    const [row] = await db.query<{ id: string; distance: number }>(similarEntryStatement(embedder.dimension), [library.id, embedder.id, literal]);
    if (row === undefined) return null;
    const similarity = 1 - Number(row.distance);
    return similarity >= this.threshold ? { id: row.id, similarity } : null;
  }
}
