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
  reembed: ReembedConfig;
  /** OpenAI-compatible chat models by role; a role that is absent is not configured. */
  models: Partial<Record<ModelRole, ModelEndpointConfig>>;
  chat: ChatConfig;
  teacher: TeacherConfig;
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
  /** Time from receiving a chat request to the end of its answer (the whole stream), retries included. */
  deadlineMs: number;
}

export interface TeacherConfig {
  /** Steps (scenarios, transcripts) one instance works on at once. */
  concurrency: number;
  /** USD per million tokens by model name, for a job's estimated cost; models absent cost null. */
  prices: Record<string, ModelPrice>;
}

export interface ModelPrice {
  input: number;
  output: number;
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

export interface ReembedConfig {
  /** Entries embedded and written per transaction by a re-embed job; the unit of resumption. */
  batchSize: number;
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

/** The variables of one role, read at the call site so each role keeps its own names and defaults. */
interface ModelVariables {
  prefix: string;
  baseUrl: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

/** `<PREFIX>_BASE_URL` and `<PREFIX>_MODEL` together configure a role; neither leaves it unconfigured. */
function modelEndpoint(v: ModelVariables): ModelEndpointConfig | undefined {
  if (v.baseUrl === undefined && v.model === undefined) return undefined;
  if (v.baseUrl === undefined) throw new ConfigError(`${v.prefix}_BASE_URL`, `is required when ${v.prefix}_MODEL is set`);
  if (v.model === undefined) throw new ConfigError(`${v.prefix}_MODEL`, `is required when ${v.prefix}_BASE_URL is set`);
  return {
    baseUrl: url(`${v.prefix}_BASE_URL`, v.baseUrl),
    model: v.model,
    // OpenAI-compatible local servers accept any key, but the SDK insists on one.
    apiKey: v.apiKey ?? 'none',
    timeoutMs: v.timeoutMs,
    maxRetries: v.maxRetries,
  };
}

function studentModel(env: Env): ModelEndpointConfig | undefined {
  return modelEndpoint({
    prefix: 'STUDENT',
    baseUrl: text(env, 'STUDENT_BASE_URL'),
    model: text(env, 'STUDENT_MODEL'),
    apiKey: text(env, 'STUDENT_API_KEY'),
    timeoutMs: integer(env, 'STUDENT_TIMEOUT_MS', 60_000, 100, 600_000),
    maxRetries: integer(env, 'STUDENT_MAX_RETRIES', 2, 0, 10),
  });
}

function chatConfig(env: Env): ChatConfig {
  const onRetrievalError = text(env, 'CHAT_ON_RETRIEVAL_ERROR') ?? 'continue';
  if (onRetrievalError !== 'fail' && onRetrievalError !== 'continue') {
    throw new ConfigError('CHAT_ON_RETRIEVAL_ERROR', `must be "fail" or "continue", got "${onRetrievalError}"`);
  }
  return {
    onRetrievalError,
    guidanceTokenBudget: integer(env, 'CHAT_GUIDANCE_TOKEN_BUDGET', 2_000, 0, 1_000_000),
    deadlineMs: integer(env, 'CHAT_DEADLINE_MS', 120_000, 100, 3_600_000),
  };
}

// ---- teacher jobs (issue 4): the teacher and customer-simulator roles, concurrency, prices ----
function teacherModel(env: Env): ModelEndpointConfig | undefined {
  return modelEndpoint({
    prefix: 'TEACHER',
    baseUrl: text(env, 'TEACHER_BASE_URL'),
    model: text(env, 'TEACHER_MODEL'),
    apiKey: text(env, 'TEACHER_API_KEY'),
    timeoutMs: integer(env, 'TEACHER_TIMEOUT_MS', 120_000, 100, 600_000),
    maxRetries: integer(env, 'TEACHER_MAX_RETRIES', 3, 0, 10),
  });
}

function teacherModels(env: Env): Pick<Config['models'], 'teacher' | 'customer'> {
  const teacher = teacherModel(env);
  return { teacher, customer: customerModel(env, teacher) };
}

/** The customer simulator is the teacher model unless configured on its own. */
function customerModel(env: Env, teacher: ModelEndpointConfig | undefined): ModelEndpointConfig | undefined {
  const own = modelEndpoint({
    prefix: 'CUSTOMER',
    baseUrl: text(env, 'CUSTOMER_BASE_URL'),
    model: text(env, 'CUSTOMER_MODEL'),
    apiKey: text(env, 'CUSTOMER_API_KEY'),
    timeoutMs: integer(env, 'CUSTOMER_TIMEOUT_MS', teacher?.timeoutMs ?? 60_000, 100, 600_000),
    maxRetries: integer(env, 'CUSTOMER_MAX_RETRIES', teacher?.maxRetries ?? 3, 0, 10),
  });
  return own ?? teacher;
}

function modelPrices(env: Env): Record<string, ModelPrice> {
  const raw = text(env, 'MODEL_PRICES');
  if (raw === undefined) return {};
  const problem = 'must be a JSON object mapping model names to {"input": USD, "output": USD} per 1M tokens';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('MODEL_PRICES', `${problem}; it is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('MODEL_PRICES', problem);
  const price = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  for (const [model, entry] of Object.entries(parsed)) {
    const { input, output } = (entry ?? {}) as Partial<ModelPrice>;
    if (!price(input) || !price(output)) throw new ConfigError('MODEL_PRICES', `${problem}; "${model}" is not`);
  }
  return parsed as Record<string, ModelPrice>;
}

// ---- end of teacher jobs ----

// ---- evaluation harness (issue 6): read only by scripts/eval-dialogue.ts, never by the service ----
export interface EvaluationConfig {
  /** A running Coach whose compose route serves the coach arm exactly as production does. */
  coachUrl: string;
  coachApiKey?: string;
  /** The judge; the teacher's endpoint when not configured on its own. */
  judge?: ModelEndpointConfig;
  /** A fine-tuned student for the output-imitation baseline arm; the arm is unavailable without it. */
  sft?: ModelEndpointConfig;
}

export function loadEvaluationConfig(env: Env = process.env): EvaluationConfig {
  const teacher = teacherModel(env);
  const judge = modelEndpoint({
    prefix: 'JUDGE',
    baseUrl: text(env, 'JUDGE_BASE_URL'),
    model: text(env, 'JUDGE_MODEL'),
    apiKey: text(env, 'JUDGE_API_KEY'),
    timeoutMs: integer(env, 'JUDGE_TIMEOUT_MS', teacher?.timeoutMs ?? 120_000, 100, 600_000),
    maxRetries: integer(env, 'JUDGE_MAX_RETRIES', teacher?.maxRetries ?? 3, 0, 10),
  });
  const sft = modelEndpoint({
    prefix: 'SFT',
    baseUrl: text(env, 'SFT_BASE_URL'),
    model: text(env, 'SFT_MODEL'),
    apiKey: text(env, 'SFT_API_KEY'),
    timeoutMs: integer(env, 'SFT_TIMEOUT_MS', 60_000, 100, 600_000),
    maxRetries: integer(env, 'SFT_MAX_RETRIES', 2, 0, 10),
  });
  const port = integer(env, 'PORT', 8080, 0, 65535);
  return {
    coachUrl: url('COACH_URL', text(env, 'COACH_URL') ?? `http://127.0.0.1:${port}`),
    coachApiKey: text(env, 'COACH_API_KEY'),
    judge: judge ?? teacher,
    sft,
  };
}
// ---- end of evaluation harness ----

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
    reembed: { batchSize: integer(env, 'REEMBED_BATCH_SIZE', 100, 1, 10_000) },
    models: { student: studentModel(env), ...teacherModels(env) },
    chat: chatConfig(env),
    teacher: { concurrency: integer(env, 'TEACHER_CONCURRENCY', 2, 1, 64), prices: modelPrices(env) },
  };
}
