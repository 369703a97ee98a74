import { integer, text, url, type Env } from '../config/env.js';
import { judgeModel, modelEndpoint, teacherModel, type ModelEndpointConfig } from '../config/models.js';

/** Read only by scripts/eval-dialogue.ts, never by the service. */
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
  const judge = judgeModel(env, teacher);
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
