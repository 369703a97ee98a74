import OpenAI from 'openai';
import { UpstreamError } from '../errors.js';
import type { Embedder } from './embedder.js';

export interface OpenAIEmbedderOptions {
  baseUrl: string;
  model: string;
  apiKey: string;
  /** What the model returns; checked on every answer. */
  dimension: number;
  batchSize: number;
  timeoutMs: number;
  maxRetries: number;
}

function normalise(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/**
 * Embeddings from any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp) through the SDK,
 * whose retry policy covers 408/409/429/5xx and connection errors with backoff and Retry-After.
 */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    this.id = `openai:${options.model}`;
    this.dimension = options.dimension;
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.options.batchSize) {
      const batch = texts.slice(start, start + this.options.batchSize);
      let response;
      try {
        response = await this.client.embeddings.create({
          model: this.options.model,
          input: batch,
          // Several compatible servers answer the SDK's default base64 with empty vectors.
          encoding_format: 'float',
        });
      } catch (err) {
        throw new UpstreamError(`embedding server failed: ${(err as Error).message}`, { model: this.options.model });
      }
      const ordered = [...response.data].sort((a, b) => a.index - b.index);
      if (ordered.length !== batch.length) {
        throw new UpstreamError(`embedding server returned ${ordered.length} vectors for ${batch.length} inputs`);
      }
      for (const item of ordered) {
        if (item.embedding.length !== this.dimension) {
          throw new UpstreamError(
            `embedding model ${this.options.model} returned dimension ${item.embedding.length}, expected ${this.dimension} (set EMBEDDINGS_DIMENSIONS)`,
          );
        }
        vectors.push(normalise(item.embedding));
      }
    }
    return vectors;
  }
}
