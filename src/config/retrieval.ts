import { DEFAULT_DIMENSION } from '../retrieval/local-embedder.js';
import { ConfigError, fraction, integer, required, text, url, type Env } from './env.js';

export type EmbedderConfig =
  | { kind: 'local'; dimension: number }
  | { kind: 'openai'; baseUrl: string; model: string; apiKey: string; dimension: number; batchSize: number; timeoutMs: number; maxRetries: number };

export interface RetrievalConfig {
  /** HNSW candidate list size per index scan; raises recall at some cost in latency. */
  efSearch: number;
  /** Cosine similarity above which a new entry is reported as a near-duplicate of an existing one. */
  duplicateThreshold: number;
  /** Entries (centroids) taken from the vector index, and entries from full-text search, before fusion. */
  candidates: number;
}

export interface ReembedConfig {
  /** Entries embedded and written per transaction by a re-embed job; the unit of resumption. */
  batchSize: number;
}

export function loadEmbedderConfig(env: Env): EmbedderConfig {
  const kind = text(env, 'EMBEDDER') ?? 'local';
  if (kind === 'local') return { kind, dimension: integer(env, 'EMBEDDINGS_DIMENSIONS', DEFAULT_DIMENSION, 16, 2000) };
  if (kind !== 'openai') throw new ConfigError('EMBEDDER', `must be "local" or "openai", got "${kind}"`);
  const because = 'when EMBEDDER=openai';
  required(env, 'EMBEDDINGS_DIMENSIONS', because);
  return {
    kind,
    baseUrl: url('EMBEDDINGS_BASE_URL', required(env, 'EMBEDDINGS_BASE_URL', because)),
    model: required(env, 'EMBEDDINGS_MODEL', because),
    // OpenAI-compatible local servers accept any key, but the SDK insists on one.
    apiKey: text(env, 'EMBEDDINGS_API_KEY') ?? 'none',
    // The vector column's dimension must be known before the first call; a mismatch is reported.
    dimension: integer(env, 'EMBEDDINGS_DIMENSIONS', Number.NaN, 16, 2000),
    batchSize: integer(env, 'EMBEDDINGS_BATCH_SIZE', 128, 1, 2048),
    timeoutMs: integer(env, 'EMBEDDINGS_TIMEOUT_MS', 30_000, 100, 600_000),
    maxRetries: integer(env, 'EMBEDDINGS_MAX_RETRIES', 3, 0, 10),
  };
}

export function loadRetrievalConfig(env: Env): RetrievalConfig {
  return {
    efSearch: integer(env, 'HNSW_EF_SEARCH', 200, 1, 1000),
    duplicateThreshold: fraction(env, 'DUPLICATE_THRESHOLD', 0.92),
    candidates: integer(env, 'RETRIEVAL_CANDIDATES', 100, 10, 1000),
  };
}

export function loadReembedConfig(env: Env): ReembedConfig {
  return { batchSize: integer(env, 'REEMBED_BATCH_SIZE', 100, 1, 10_000) };
}
