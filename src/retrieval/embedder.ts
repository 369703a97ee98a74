/** Turns text into fixed-dimension, L2-normalised vectors. One per library; recorded with it. */
export interface Embedder {
  /** Stable identifier recorded with every library, e.g. `local:hash-v1` or `openai:text-embedding-3-small`. */
  readonly id: string;
  readonly dimension: number;
  embed(texts: string[]): Promise<number[][]>;
}
