import type { Queryable } from '../db/db.js';
import type { Embedder } from '../retrieval/embedder.js';
import { INDEXED_CHUNKS, PENDING_CHUNKS } from './chunk-tables.js';
import type { EmbeddedChunk } from './entry-chunks.js';

/** Replaces the entries' chunks of this embedder with the given ones, which go to the pending table. */
export async function replaceChunks(
  tx: Queryable,
  libraryId: string,
  embedder: Pick<Embedder, 'id' | 'dimension'>,
  entryIds: string[],
  chunks: EmbeddedChunk[],
): Promise<void> {
  if (entryIds.length === 0) return;
  await deleteChunks(tx, embedder.id, entryIds);
  if (chunks.length === 0) return;
  await tx.query(
    `INSERT INTO ${PENDING_CHUNKS} (entry_id, library_id, embedder, kind, ordinal, dim, embedding)
     SELECT c.entry_id, $1, $2, c.kind, c.ordinal, $3, c.embedding::vector
     FROM unnest($4::uuid[], $5::text[], $6::int[], string_to_array($7::text, E'\n')) AS c(entry_id, kind, ordinal, embedding)`,
    [
      libraryId,
      embedder.id,
      embedder.dimension,
      chunks.map((c) => c.entryId),
      chunks.map((c) => c.kind),
      chunks.map((c) => c.ordinal),
      // One text, a vector per line: as a text[] parameter, pg would copy each ~5 kB element
      // through two regular expressions to escape it, which a vector literal never needs.
      chunks.map((c) => c.vector).join('\n'),
    ],
  );
}

/**
 * Deletes the entries' chunks of an embedder, which need not be configured any more (a changed
 * EMBEDDINGS_MODEL is a reason to re-embed). Pending rows go first: if the indexer is moving some
 * of them, that waits for the move to commit, and the next statement then sees and deletes the
 * moved rows.
 */
export async function deleteChunks(tx: Queryable, embedderId: string, entryIds: string[]): Promise<void> {
  for (const table of [PENDING_CHUNKS, INDEXED_CHUNKS]) {
    await tx.query(`DELETE FROM ${table} WHERE entry_id = ANY($1::uuid[]) AND embedder = $2`, [entryIds, embedderId]);
  }
}
