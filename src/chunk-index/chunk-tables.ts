/**
 * An entry's chunks live in one of two tables of the same shape (migrations/001_init.sql). A write
 * puts them in the pending table, which has no HNSW index to maintain and is searched exactly; the
 * indexer later moves them into the indexed table. So a reader of chunks reads both.
 */
export const INDEXED_CHUNKS = 'guidance_chunks';
export const PENDING_CHUNKS = 'guidance_chunks_pending';

/** One select written for both tables, as a UNION ALL. */
export function inBothTables(select: (table: string) => string): string {
  return `${select(INDEXED_CHUNKS)}\nUNION ALL\n${select(PENDING_CHUNKS)}`;
}
