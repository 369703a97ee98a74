import { ConfigError, integer, text, type Env } from './env.js';
import { judgeModel, teacherModel, type ModelEndpointConfig } from './models.js';

export interface TeacherConfig {
  /** Steps (scenarios, transcripts) one instance works on at once. */
  concurrency: number;
  /** USD per million tokens by model name, for a job's estimated cost; models absent cost null. */
  prices: Record<string, ModelPrice>;
  /** The judge of contrast and acceptance (JUDGE_*); unset: the teacher judges. */
  judge?: ModelEndpointConfig;
}

export interface ModelPrice {
  input: number;
  output: number;
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

export function loadTeacherConfig(env: Env): TeacherConfig {
  const teacher = teacherModel(env);
  const judge = judgeModel(env, teacher);
  return { concurrency: integer(env, 'TEACHER_CONCURRENCY', 2, 1, 64), prices: modelPrices(env), judge };
}
