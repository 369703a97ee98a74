import type { Queryable } from '../db/db.js';
import type { Embedder } from '../retrieval/embedder.js';
import { chunkTexts } from './content.js';
import type { SearchedContent } from './types.js';

export interface EmbeddedChunk {
  entryId: string;
  kind: string;
  ordinal: number;
  /** pgvector text form. */
  vector: string;
}

// Six decimals of a unit vector's components change cosines by ~1e-6 and keep the statement short;
// Math.round is several times faster than toPrecision on a hot import path.
const toVectorText = (vector: number[]) => `[${vector.map((x) => Math.round(x * 1e6) / 1e6).join(',')}]`;

/** Embeds every chunk of the given entries. Runs before the write transaction: it may call a server. */
export async function embedEntries(embedder: Embedder, entries: { id: string; content: SearchedContent }[]): Promise<EmbeddedChunk[]> {
  const chunks = entries.flatMap(({ id, content }) => chunkTexts(content).map((chunk) => ({ entryId: id, ...chunk })));
  const vectors = await embedder.embed(chunks.map((chunk) => chunk.text));
  // A text without content words ("hi!") embeds to the zero vector, whose cosine distance is NaN.
  return chunks.flatMap((chunk, i) =>
    vectors[i]!.some((x) => x !== 0) ? [{ entryId: chunk.entryId, kind: chunk.kind, ordinal: chunk.ordinal, vector: toVectorText(vectors[i]!) }] : [],
  );
}

/**
 * Replaces the entries' chunks of this embedder with the given ones, which go to the pending table
 * (see migrations/001_init.sql). Pending rows are deleted first: if the indexer is moving some of
 * them, that waits for the move to commit, and the next statement then sees and deletes the moved rows.
 */
export async function replaceChunks(
  tx: Queryable,
  libraryId: string,
  embedder: Embedder,
  entryIds: string[],
  chunks: EmbeddedChunk[],
): Promise<void> {
  if (entryIds.length === 0) return;
  await tx.query('DELETE FROM guidance_chunks_pending WHERE entry_id = ANY($1::uuid[]) AND embedder = $2', [entryIds, embedder.id]);
  await tx.query('DELETE FROM guidance_chunks WHERE entry_id = ANY($1::uuid[]) AND embedder = $2', [entryIds, embedder.id]);
  if (chunks.length === 0) return;
  await tx.query(
    `INSERT INTO guidance_chunks_pending (entry_id, library_id, embedder, kind, ordinal, dim, embedding)
     SELECT c.entry_id, $1, $2, c.kind, c.ordinal, $3, c.embedding::vector
     FROM unnest($4::uuid[], $5::text[], $6::int[], $7::text[]) AS c(entry_id, kind, ordinal, embedding)`,
    [
      libraryId,
      embedder.id,
      embedder.dimension,
      chunks.map((c) => c.entryId),
      chunks.map((c) => c.kind),
      chunks.map((c) => c.ordinal),
      chunks.map((c) => c.vector),
    ],
  );
}
