import path from 'node:path';
import { loadConfig, type ModelEndpointConfig } from '../config.js';
import { loadEvaluationConfig } from './evaluation-config.js';
import { loadPrompts } from '../teacher/prompts.js';
import { DEFAULT_ARMS, type CliOptions } from './cli-options.js';
import { CoachClient } from './coach-client.js';
import { EvalModels } from './eval-models.js';
import { loadEvalPrompts } from './prompts.js';
import type { EvaluationOptions } from './runner.js';
import { loadScenarios } from './scenario-sources.js';
import { ScenarioFormatError, type EvalScenario } from './scenarios.js';

type Env = Record<string, string | undefined>;

/** --scenario-ids, then --limit: a subset of the scenarios, in file order; an unknown id is the caller's mistake. */
export function selectScenarios(scenarios: EvalScenario[], ids: string[] | undefined, limit: number | undefined): EvalScenario[] {
  let selected = scenarios;
  if (ids !== undefined) {
    const known = new Set(scenarios.map((s) => s.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new ScenarioFormatError('--scenario-ids', `${unknown.join(', ')} not in the scenarios file`);
    const wanted = new Set(ids);
    selected = scenarios.filter((s) => wanted.has(s.id));
  }
  return limit === undefined ? selected : selected.slice(0, limit);
}

/**
 * A run's options from the command line and the environment the service itself reads: the same
 * STUDENT_/TEACHER_/CUSTOMER_ roles, MODEL_PRICES and CHAT_GUIDANCE_TOKEN_BUDGET, plus the
 * harness's JUDGE_, SFT_ and COACH_ variables. Command-line flags win.
 */
export async function evaluationSetup(cli: CliOptions, env: Env, signal: AbortSignal): Promise<EvaluationOptions> {
  const config = loadConfig(env);
  const evaluation = loadEvaluationConfig(env);
  const judge: ModelEndpointConfig | undefined =
    evaluation.judge === undefined || cli.judgeModel === undefined ? evaluation.judge : { ...evaluation.judge, model: cli.judgeModel };
  const sft: ModelEndpointConfig | undefined =
    cli.sftBaseUrl !== undefined && cli.sftModel !== undefined
      ? { baseUrl: cli.sftBaseUrl, model: cli.sftModel, apiKey: env.SFT_API_KEY?.trim() || 'none', timeoutMs: evaluation.sft?.timeoutMs ?? 60_000, maxRetries: evaluation.sft?.maxRetries ?? 2 }
      : evaluation.sft;
  const arms = cli.arms ?? (sft === undefined ? DEFAULT_ARMS : [...DEFAULT_ARMS, 'sft']);
  const models = new EvalModels({ ...config.models, judge, sft }, arms);
  const scenarios = selectScenarios(await loadScenarios(cli.scenarios), cli.scenarioIds, cli.limit);
  const outDir = path.resolve(cli.out ?? path.join('eval-runs', cli.library));
  return {
    libraryId: cli.library,
    scenarios,
    scenarioSource: cli.scenarios,
    arms,
    seeds: cli.seeds,
    outDir,
    playbookCacheDir: path.join(path.dirname(outDir), 'generic-playbooks'),
    force: cli.force,
    maxTurns: cli.maxTurns,
    concurrency: cli.concurrency,
    pairwise: cli.pairwise,
    guidanceTokenBudget: config.chat.guidanceTokenBudget,
    bootstrap: { iterations: cli.bootstrapIterations, seed: cli.bootstrapSeed },
    resolvedAt: cli.resolvedAt,
    transferModels: cli.transferModels,
    prices: config.teacher.prices,
    coach: new CoachClient(cli.url ?? evaluation.coachUrl, cli.key ?? evaluation.coachApiKey),
    models,
    customerPrompt: loadPrompts().customer,
    prompts: loadEvalPrompts(),
    warnings: models.overlaps(),
    signal,
  };
}
