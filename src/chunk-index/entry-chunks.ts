import type { SearchedContent } from '../library/types.js';
import type { Embedder } from '../retrieval/embedder.js';
import { vectorLiteral } from './vector-literal.js';

/**
 * The chunks stored in the index are the ones read back: the scenario, which near-duplicate checks
 * compare, and the centroid, which retrieval searches. Examples are embedded for the centroid only.
 */
export interface EmbeddedChunk {
  entryId: string;
  kind: 'scenario' | 'centroid';
  ordinal: number;
  /** pgvector text form. */
  vector: string;
}

/**
 * The entry as one vector: the normalised sum of its document's (scenario and guidance as one text)
 * and its examples' unit vectors. On ABCD a centroid per entry beat voting among its nearest chunks
 * by 8–20 points of acc@1: an entry's examples vary around its state, and their mean is that state,
 * while a single close example is often a different state worded alike.
 */
export function centroidOf(vectors: readonly (readonly number[])[]): number[] {
  const sum = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  for (const vector of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
  const norm = Math.sqrt(sum.reduce((acc, x) => acc + x * x, 0));
  return norm > 0 ? sum.map((x) => x / norm) : sum;
}

/** What the centroid is the mean of: the document (scenario and guidance as one text), then each example. */
export function centroidTexts(content: SearchedContent): string[] {
  return [`${content.scenario}\n${content.guidance}`, ...content.examples];
}

/** Texts embedded between two turns of the event loop (a multiple of EMBEDDINGS_BATCH_SIZE's default). */
const EMBED_SLICE = 512;

/**
 * The local embedder computes in the request's thread: a 1,000-entry import is ~4,000 texts and
 * seconds of CPU, during which the process would answer no /retrieve. Slices give them turns.
 */
async function embedInSlices(embedder: Embedder, texts: string[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += EMBED_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    vectors.push(...(await embedder.embed(texts.slice(start, start + EMBED_SLICE))));
  }
  return vectors;
}

/** Embeds the stored chunks of the given entries. Runs before the write transaction: it may call a server. */
export async function embedEntries(embedder: Embedder, entries: { id: string; content: SearchedContent }[]): Promise<EmbeddedChunk[]> {
  const texts = entries.flatMap(({ content }) => [content.scenario, ...centroidTexts(content)]);
  const vectors = await embedInSlices(embedder, texts);
  let next = 0;
  return entries.flatMap(({ id, content }) => {
    const [scenario, ...centred] = vectors.slice(next, (next += 2 + content.examples.length));
    const chunks = [
      { entryId: id, kind: 'scenario' as const, ordinal: 0, vector: vectorLiteral(scenario!) },
      { entryId: id, kind: 'centroid' as const, ordinal: 0, vector: vectorLiteral(centroidOf(centred)) },
    ];
    return chunks.flatMap((chunk) => (chunk.vector === null ? [] : [{ ...chunk, vector: chunk.vector }]));
  });
}
