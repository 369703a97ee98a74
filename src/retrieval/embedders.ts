import type { EmbedderConfig } from '../config.js';
import { ValidationError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { LATEST_LOCAL_VERSION, LOCAL_EMBEDDER_VERSIONS, LocalEmbedder, type LocalEmbedderVersion } from './local-embedder.js';
import { OpenAIEmbedder } from './openai-embedder.js';

const EARLIER = LOCAL_EMBEDDER_VERSIONS.slice(0, -1).map((version) => `v${version}`).join(', ');
const LOCAL_ID = new RegExp(`^local:hash-v(${LOCAL_EMBEDDER_VERSIONS.join('|')})-(\\d+)$`);

/**
 * The embedders this service can run, by the id a library records. Every local dimension is
 * available; the OpenAI-compatible model only when configured.
 */
export class Embedders {
  private readonly cache = new Map<string, Embedder>();
  readonly defaultId: string;

  constructor(private readonly config: EmbedderConfig) {
    const fallback = config.kind === 'local' ? new LocalEmbedder({ dimension: config.dimension }) : this.openai();
    this.cache.set(fallback.id, fallback);
    this.defaultId = fallback.id;
  }

  get(id: string): Embedder {
    const known = this.cache.get(id);
    if (known !== undefined) return known;
    const local = LOCAL_ID.exec(id);
    let embedder: Embedder | undefined;
    if (local !== null) {
      const version = Number(local[1]) as LocalEmbedderVersion;
      const dimension = Number(local[2]);
      if (dimension >= 16 && dimension <= 2000) embedder = new LocalEmbedder({ version, dimension });
    } else if (this.config.kind === 'openai' && id === `openai:${this.config.model}`) {
      embedder = this.openai();
    }
    if (embedder === undefined) {
      throw new ValidationError(`embedder: "${id}" is not available; use local:hash-v${LATEST_LOCAL_VERSION}-<16..2000> (or ${EARLIER}, the earlier local recipes) or the configured EMBEDDINGS_MODEL`, {
        field: 'embedder',
      });
    }
    this.cache.set(id, embedder);
    return embedder;
  }

  /**
   * What this instance can embed with, for taking work another instance queued: every local
   * embedder (ids matching `localIds`, a regular expression Postgres reads the same way), and the
   * configured OpenAI-compatible model at its dimension, if there is one.
   */
  runnable(): { localIds: string; configured: { id: string; dimension: number } | null } {
    const fallback = this.get(this.defaultId);
    return { localIds: LOCAL_ID.source, configured: this.config.kind === 'openai' ? { id: fallback.id, dimension: fallback.dimension } : null };
  }

  private openai(): Embedder {
    if (this.config.kind !== 'openai') throw new Error('no OpenAI-compatible embedder configured');
    return new OpenAIEmbedder(this.config);
  }
}
