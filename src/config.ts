import path from 'node:path';

/** Everything the service reads from its environment, validated once at start-up. */
export interface Config {
  host: string;
  port: number;
  logLevel: string;
  /** Real PostgreSQL with pgvector; when absent the service runs on embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  dbPoolMax: number;
  adminKey?: string;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  embedder: EmbedderConfig;
  retrieval: RetrievalConfig;
  /** OpenAI-compatible chat models by role; a role that is absent is not configured. */
  models: Partial<Record<ModelRole, ModelEndpointConfig>>;
  chat: ChatConfig;
}

export type ModelRole = 'student' | 'teacher' | 'customer';

export interface ModelEndpointConfig {
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
}

export interface ChatConfig {
  /** fail: a retrieval error fails the turn (503); continue: answer with the policy alone, noted in the trace. */
  onRetrievalError: 'fail' | 'continue';
  /** Estimated tokens of coaching notes the composer may add to one prompt. */
  guidanceTokenBudget: number;
}

export type EmbedderConfig =
  | { kind: 'local'; dimension: number }
  | { kind: 'openai'; baseUrl: string; model: string; apiKey: string; dimension: number; batchSize: number; timeoutMs: number; maxRetries: number };

export interface RetrievalConfig {
  /** HNSW candidate list size per index scan; raises recall at some cost in latency. */
  efSearch: number;
  /** Cosine similarity above which a new entry is reported as a near-duplicate of an existing one. */
  duplicateThreshold: number;
  /** Chunks taken from the vector index, and entries from full-text search, before fusion. */
  candidates: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new ConfigError(name, `must be a number in (0, 1], got "${raw}"`);
  }
  return value;
}

function required(env: Env, name: string, because: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(name, `is required ${because}`);
  return value;
}

function url(name: string, value: string): string {
  try {
    new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${value}"`);
  }
  return value;
}

function embedderConfig(env: Env): EmbedderConfig {
  const kind = text(env, 'EMBEDDER') ?? 'local';
  if (kind === 'local') return { kind, dimension: integer(env, 'EMBEDDINGS_DIMENSIONS', 512, 16, 2000) };
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

/** `<PREFIX>_BASE_URL` and `<PREFIX>_MODEL` together configure a role; neither leaves it unconfigured. */
function modelEndpoint(env: Env, prefix: string): ModelEndpointConfig | undefined {
  const baseUrl = text(env, `${prefix}_BASE_URL`);
  const model = text(env, `${prefix}_MODEL`);
  if (baseUrl === undefined && model === undefined) return undefined;
  const because = `when ${baseUrl === undefined ? `${prefix}_MODEL` : `${prefix}_BASE_URL`} is set`;
  return {
    baseUrl: url(`${prefix}_BASE_URL`, required(env, `${prefix}_BASE_URL`, because)),
    model: required(env, `${prefix}_MODEL`, because),
    apiKey: text(env, `${prefix}_API_KEY`) ?? 'none',
    timeoutMs: integer(env, `${prefix}_TIMEOUT_MS`, 60_000, 100, 600_000),
    maxRetries: integer(env, `${prefix}_MAX_RETRIES`, 2, 0, 10),
  };
}

function chatConfig(env: Env): ChatConfig {
  const onRetrievalError = text(env, 'CHAT_ON_RETRIEVAL_ERROR') ?? 'continue';
  if (onRetrievalError !== 'fail' && onRetrievalError !== 'continue') {
    throw new ConfigError('CHAT_ON_RETRIEVAL_ERROR', `must be "fail" or "continue", got "${onRetrievalError}"`);
  }
  return { onRetrievalError, guidanceTokenBudget: integer(env, 'CHAT_GUIDANCE_TOKEN_BUDGET', 2_000, 0, 1_000_000) };
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const adminKey = text(env, 'COACH_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) {
    throw new ConfigError('COACH_ADMIN_KEY', 'must be at least 16 characters');
  }
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  return {
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    logLevel,
    databaseUrl,
    dataDir: path.resolve(text(env, 'COACH_DATA_DIR') ?? './data'),
    dbPoolMax: integer(env, 'DB_POOL_MAX', 10, 1, 500),
    adminKey,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 100, 600_000),
    embedder: embedderConfig(env),
    retrieval: {
      efSearch: integer(env, 'HNSW_EF_SEARCH', 100, 1, 1000),
      duplicateThreshold: fraction(env, 'DUPLICATE_THRESHOLD', 0.92),
      candidates: integer(env, 'RETRIEVAL_CANDIDATES', 100, 10, 1000),
    },
    models: { student: modelEndpoint(env, 'STUDENT') },
    chat: chatConfig(env),
  };
}
