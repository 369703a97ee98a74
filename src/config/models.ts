import { ConfigError, integer, text, url, type Env } from './env.js';

export type ModelRole = 'student' | 'teacher' | 'customer';

export interface ModelEndpointConfig {
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
}

/** OpenAI-compatible chat models by role; a role that is absent is not configured. */
export type ModelsConfig = Partial<Record<ModelRole, ModelEndpointConfig>>;

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
export function modelEndpoint(v: ModelVariables): ModelEndpointConfig | undefined {
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

export function teacherModel(env: Env): ModelEndpointConfig | undefined {
  return modelEndpoint({
    prefix: 'TEACHER',
    baseUrl: text(env, 'TEACHER_BASE_URL'),
    model: text(env, 'TEACHER_MODEL'),
    apiKey: text(env, 'TEACHER_API_KEY'),
    timeoutMs: integer(env, 'TEACHER_TIMEOUT_MS', 120_000, 100, 600_000),
    maxRetries: integer(env, 'TEACHER_MAX_RETRIES', 3, 0, 10),
  });
}

/** The judge of teacher jobs and of the evaluations (JUDGE_*); unset: undefined, and the caller decides. */
export function judgeModel(env: Env, teacher: ModelEndpointConfig | undefined): ModelEndpointConfig | undefined {
  return modelEndpoint({
    prefix: 'JUDGE',
    baseUrl: text(env, 'JUDGE_BASE_URL'),
    model: text(env, 'JUDGE_MODEL'),
    apiKey: text(env, 'JUDGE_API_KEY'),
    timeoutMs: integer(env, 'JUDGE_TIMEOUT_MS', teacher?.timeoutMs ?? 120_000, 100, 600_000),
    maxRetries: integer(env, 'JUDGE_MAX_RETRIES', teacher?.maxRetries ?? 3, 0, 10),
  });
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

export function loadModelsConfig(env: Env): ModelsConfig {
  const student = studentModel(env);
  const teacher = teacherModel(env);
  return { student, teacher, customer: customerModel(env, teacher) };
}
