import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type ModelEndpointConfig } from '../../config.js';
import { ARMS, type ArmName } from '../arms.js';
import { DEFAULT_ARMS } from '../cli-options.js';
import { CoachClient } from '../coach-client.js';
import type { LibraryBuild } from '../cost.js';
import { loadEvaluationConfig } from '../evaluation-config.js';
import { teacherOverlap } from '../eval-models.js';
import { libraryBuildCost, teacherJobIds } from '../library-build.js';
import { runPool } from '../pool.js';
import { ResultsFile } from '../results-file.js';
import { checkManifest } from '../run-manifest.js';
import { SeededChatModel } from '../seeded-model.js';
import { coachLibrary, tauArms, tauPlaybook, type CoachLibrary, type TauArm } from './arm-agents.js';
import { TauUsageError, type TauCliOptions } from './cli-options.js';
import { inputs, mean, type CommandOutcome } from './commands.js';
import { passHatKs } from './pass-hat-k.js';
import { buildTauReport, renderPassHatKChart, renderTauDifferencesChart, type TauArmRun } from './report.js';
import type { TrialFailure } from './run-trials.js';
import { loadUserPrompt, SimulatedUser } from './simulated-user.js';
import { renderTauSummary } from './summary.js';
import { transcriptJobs } from './transcripts.js';
import { runTrial, type TrialResult } from './trial.js';

type Env = Record<string, string | undefined>;

/** A line of results.jsonl: one finished trial of one arm. */
export type ArmTrial = TrialResult & { arm: ArmName };
export type ArmTrialFailure = TrialFailure & { arm: ArmName };

export interface TrialProgress {
  /** Before the first trial: how many there are, how many a previous run finished, and setup problems to print loudly (also in the report). */
  start(total: number, done: number, warnings: string[]): void;
  /** Each trial as it finishes, in the order they finish. */
  result(result: ArmTrial | ArmTrialFailure): void;
}

const trialKey = (r: { arm: string; task_id: number; trial: number }) => `${r.arm}:${r.task_id}:${r.trial}`;

function sftEndpoint(options: TauCliOptions, env: Env, configured: ModelEndpointConfig | undefined): ModelEndpointConfig | undefined {
  if (options.sftBaseUrl === undefined || options.sftModel === undefined) return configured;
  return { baseUrl: options.sftBaseUrl, model: options.sftModel, apiKey: env.SFT_API_KEY?.trim() || 'none', timeoutMs: configured?.timeoutMs ?? 60_000, maxRetries: configured?.maxRetries ?? 2 };
}

/** What each arm's agent is, for the manifest and the report. */
function armModels(arms: TauArm[], library: CoachLibrary | undefined): Record<string, string> {
  return Object.fromEntries(arms.map(({ arm, agent }) => [`agent:${arm}`, arm === 'coach' ? `${agent.model} through Coach, library ${library!.snapshot.id}` : agent.model]));
}

/**
 * Every arm × task × trial not yet in `<out>/results.jsonl`, a few at a time, each against a fresh
 * simulated user and a fresh copy of the database; then the report over every finished trial of
 * this run's arms, tasks and trials (and, with --record-transcripts, the teacher transcript jobs).
 */
export async function evaluateArms(options: TauCliOptions, env: Env, signal: AbortSignal, progress?: TrialProgress): Promise<CommandOutcome> {
  const config = loadConfig(env);
  const evaluation = loadEvaluationConfig(env);
  const sft = sftEndpoint(options, env, evaluation.sft);
  const arms = options.arms ?? (sft === undefined ? DEFAULT_ARMS : [...DEFAULT_ARMS, 'sft']);
  const userEndpoint = config.models.customer;
  if (userEndpoint === undefined) throw new TauUsageError('the arms need a simulated user: CUSTOMER_BASE_URL and CUSTOMER_MODEL, or TEACHER_BASE_URL and TEACHER_MODEL');
  if (arms.includes('coach') && options.library === undefined) throw new TauUsageError('the coach arm needs --library ID: the library of the running Coach (COACH_URL or --url, COACH_API_KEY)');
  const { data, tasks } = await inputs(options);
  const warnings = teacherOverlap(config.models.teacher, [{ role: 'simulated user', endpoint: userEndpoint, fix: 'CUSTOMER_BASE_URL and CUSTOMER_MODEL' }]);

  const coachUrl = options.url ?? evaluation.coachUrl;
  const coach = new CoachClient(coachUrl, evaluation.coachApiKey);
  let library: CoachLibrary | undefined;
  if (options.library !== undefined) {
    const read = await coachLibrary(coach, options.library, data, tasks, options.force);
    library = read.library;
    warnings.push(...read.warnings);
  }
  const playbook = arms.includes('generic') ? await tauPlaybook(options.outDir, data.policy, config, signal) : null;
  const played = tauArms(
    arms,
    { student: config.models.student, teacher: config.models.teacher, sft, coach: library === undefined ? undefined : { url: coachUrl, apiKey: evaluation.coachApiKey ?? 'none', library } },
    data.policy,
    playbook,
    options.temperature,
  );

  await mkdir(options.outDir, { recursive: true });
  const userPrompt = loadUserPrompt();
  await checkManifest(path.join(options.outDir, 'run.json'), {
    library_id: library?.snapshot.id,
    setup: { domain: options.domain, tasks_file: options.tasksFile, temperature: String(options.temperature) },
    models: { ...armModels(played, library), user: userEndpoint.model, ...(playbook === null ? {} : { 'generic:playbook': playbook.teacher_model }) },
    prompts: { user: userPrompt.version },
    max_turns: options.maxSteps,
    ...(playbook === null ? {} : { generic_playbook: playbook.key }),
  });

  const resultsFile = new ResultsFile<ArmTrial>(path.join(options.outDir, 'results.jsonl'));
  const finished = new Map((await resultsFile.readAll()).map((r) => [trialKey(r), r]));
  const units = played.flatMap((arm) => tasks.flatMap((task) => Array.from({ length: options.trials }, (_, trial) => ({ arm, task, trial }))));
  const pending = units.filter((u) => !finished.has(trialKey({ arm: u.arm.arm, task_id: u.task.task_id, trial: u.trial })));
  progress?.start(units.length, units.length - pending.length, warnings);
  const failures: ArmTrialFailure[] = [];
  await runPool(pending, options.concurrency, async ({ arm, task, trial }) => {
    if (signal.aborted) return;
    try {
      const user = new SimulatedUser(new SeededChatModel('customer', userEndpoint, trial), userPrompt, task.instruction, signal);
      const conversationId = `eval:tau:${options.domain}:${task.task_id}:${trial}`;
      const result = await runTrial({ data, task, trial, agent: arm.agent, user, maxSteps: options.maxSteps, systemPrompt: arm.systemPrompt, conversationId, signal });
      const record: ArmTrial = { arm: arm.arm, ...result };
      await resultsFile.append(record);
      finished.set(trialKey(record), record);
      progress?.result(record);
    } catch (err) {
      if (signal.aborted) return;
      const failure = { arm: arm.arm, task_id: task.task_id, trial, error: (err as Error).message };
      failures.push(failure);
      progress?.result(failure);
    }
  });

  // Only this run's arms, tasks and trials: the directory may hold a wider earlier run.
  const ids = new Set(tasks.map((task) => task.task_id));
  const runs: TauArmRun[] = ARMS.filter((arm) => arms.includes(arm)).map((arm) => ({
    arm,
    results: [...finished.values()].filter((r) => r.arm === arm && ids.has(r.task_id) && r.trial < options.trials).sort((a, b) => a.task_id - b.task_id || a.trial - b.trial),
  }));
  const libraryBuild: LibraryBuild =
    library === undefined ? { unavailable: 'no --library was given to read the teacher jobs that built it' } : await libraryBuildCost(coach, teacherJobIds(library.provenances), config.teacher.prices);
  const report = buildTauReport({
    runs,
    prices: config.teacher.prices,
    bootstrap: options.bootstrap,
    libraryBuild,
    warnings,
    run: {
      domain: options.domain,
      tasks_file: options.tasksFile,
      trials: options.trials,
      max_steps: options.maxSteps,
      temperature: options.temperature,
      models: { ...armModels(played, library), user: userEndpoint.model },
      user_prompt: userPrompt.version,
      library: library === undefined ? null : { id: library.snapshot.id, name: library.snapshot.name, entries: library.snapshot.entries.length, tasks_it_was_built_from: library.overlapping, forced: options.force },
      generic_playbook: playbook,
      failures: failures.length,
    },
  });
  const files: Record<string, string> = {
    results: resultsFile.path,
    report: path.join(options.outDir, 'report.json'),
    'report summary': path.join(options.outDir, 'summary.md'),
    differences: path.join(options.outDir, 'differences.svg'),
    'pass^k': path.join(options.outDir, 'pass-k.svg'),
  };
  await writeFile(files.report!, JSON.stringify(report, null, 2) + '\n');
  await writeFile(files['report summary']!, renderTauSummary(report));
  await writeFile(files.differences!, renderTauDifferencesChart(report));
  await writeFile(files['pass^k']!, renderPassHatKChart(report));
  if (options.recordTranscripts) {
    const dir = path.join(options.outDir, 'transcripts');
    await mkdir(dir, { recursive: true });
    for (const { arm, part, job } of transcriptJobs(options.domain, tasks, data.tools, runs)) {
      const file = path.join(dir, `${arm}-${String(part).padStart(3, '0')}.json`);
      await writeFile(file, JSON.stringify(job, null, 2) + '\n');
      files[`transcripts ${arm} ${part}`] = file;
    }
  }
  const summary = runs.map(({ arm, results }) => {
    const complete = results.length === tasks.length * options.trials && results.length > 0;
    const passText = Object.entries(complete ? passHatKs(results) : {}).map(([k, v]) => `, ${k}: ${v.toFixed(3)}`).join('');
    const errors = results.reduce((sum, r) => sum + r.tool_errors, 0);
    return `${arm}: tasks: ${tasks.length}, trials: ${results.length}/${tasks.length * options.trials}, reward mean: ${mean(results.map((r) => r.reward)).toFixed(3)}, tool errors: ${errors}${passText}`;
  });
  return {
    summary: summary.join('\n'),
    problems: failures.map((f) => `${f.arm} task ${f.task_id} trial ${f.trial}: ${f.error}`),
    files,
  };
}
