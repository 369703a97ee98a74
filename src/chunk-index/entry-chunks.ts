import type { SearchedContent } from '../library/types.js';
import type { Embedder } from '../retrieval/embedder.js';
import { vectorLiteral } from './vector-literal.js';

export type ChunkKind = 'scenario' | 'guidance' | 'example';

interface ChunkText {
  kind: ChunkKind;
  ordinal: number;
  text: string;
}

export interface EmbeddedChunk {
  entryId: string;
  kind: ChunkKind;
  ordinal: number;
  /** pgvector text form. */
  vector: string;
}

/** The separately embedded search units of an entry. */
export function chunkTexts(content: SearchedContent): ChunkText[] {
  return [
    { kind: 'scenario', ordinal: 0, text: content.scenario },
    { kind: 'guidance', ordinal: 0, text: content.guidance },
    ...content.examples.map((text, ordinal) => ({ kind: 'example' as const, ordinal, text })),
  ];
}

/** Embeds every chunk of the given entries. Runs before the write transaction: it may call a server. */
export async function embedEntries(embedder: Embedder, entries: { id: string; content: SearchedContent }[]): Promise<EmbeddedChunk[]> {
  const chunks = entries.flatMap(({ id, content }) => chunkTexts(content).map((chunk) => ({ entryId: id, ...chunk })));
  const vectors = await embedder.embed(chunks.map((chunk) => chunk.text));
  return chunks.flatMap((chunk, i) => {
    const vector = vectorLiteral(vectors[i]!);
    return vector === null ? [] : [{ entryId: chunk.entryId, kind: chunk.kind, ordinal: chunk.ordinal, vector }];
  });
}
