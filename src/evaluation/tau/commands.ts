import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composePrompt } from '../../chat/composer.js';
import { loadConfig, type Config, type ModelEndpointConfig, type ModelPrice } from '../../config.js';
import { loadEvaluationConfig } from '../evaluation-config.js';
import { ChatModel } from '../../models/chat-model.js';
import { genericPlaybook, PlaybookBudgetError, playbookNote, type GenericPlaybook } from '../generic-playbook.js';
import { loadEvalPrompts } from '../prompts.js';
import { ARMS } from '../arms.js';
import { CoachClient } from '../coach-client.js';
import type { LibraryBuild } from '../cost.js';
import { teacherOverlap } from '../eval-models.js';
import { libraryBuildCost, libraryProvenances, teacherJobIds } from '../library-build.js';
import { SeededChatModel } from '../seeded-model.js';
import { ResultsFile } from '../results-file.js';
import { OpenAIAgent } from './agent-model.js';
import { TauUsageError, type TauCliOptions } from './cli-options.js';
import { loadDomain, loadTasks, type DomainData, type TauTask } from './domain-data.js';
import { replayGold, type GoldReplayResult } from './gold-agent.js';
import { passHatKs } from './pass-hat-k.js';
import { runTrials, type TrialFailure } from './run-trials.js';
import { buildTauReport, renderPassHatKChart, renderTauDifferencesChart, type TauArmRun } from './report.js';
import { loadUserPrompt } from './simulated-user.js';
import { renderTauSummary } from './summary.js';
import type { TrialResult } from './trial.js';

type Env = Record<string, string | undefined>;

export interface CommandOutcome {
  /** The one-line summary printed at the end. */
  summary: string;
  /** For the gold check: the tasks that did not earn 1 without tool errors. For a model run: failed trials. */
  problems: string[];
  /** What was written, by name, in the order to print. */
  files: Record<string, string>;
}

async function inputs(options: TauCliOptions): Promise<{ data: DomainData; tasks: TauTask[] }> {
  const data = await loadDomain(options.dataDir, options.domain);
  let tasks = await loadTasks(options.tasksFile, options.domain);
  if (options.taskIds !== undefined) {
    const known = new Set(tasks.map((task) => task.task_id));
    const unknown = options.taskIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new TauUsageError(`--task-ids ${unknown.join(', ')} not in ${options.tasksFile}`);
    const wanted = new Set(options.taskIds);
    tasks = tasks.filter((task) => wanted.has(task.task_id));
  }
  if (options.limit !== undefined) tasks = tasks.slice(0, options.limit);
  return { data, tasks };
}

async function writeSummary(options: TauCliOptions, dir: string, summary: object): Promise<string> {
  const file = path.join(dir, 'summary.json');
  await writeFile(file, JSON.stringify({ domain: options.domain, tasks_file: options.tasksFile, agent: options.agent, ...summary }, null, 2) + '\n');
  return file;
}

const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** `--agent gold`: every task's gold actions through the tools; results.jsonl has one line per task. */
export async function checkGold(options: TauCliOptions): Promise<CommandOutcome> {
  const { data, tasks } = await inputs(options);
  await mkdir(options.outDir, { recursive: true });
  const problems: string[] = [];
  const results: GoldReplayResult[] = tasks.map((task) => {
    const { line, env } = replayGold(data, task);
    if (line.reward !== 1 || line.tool_errors > 0) {
      problems.push([`task ${task.task_id}: reward ${line.reward}`, ...env.errors.map((e) => `${e.tool}: ${e.observation}`)].join('; '));
    }
    return line;
  });
  const resultsFile = path.join(options.outDir, 'results.jsonl');
  await writeFile(resultsFile, results.map((r) => JSON.stringify(r) + '\n').join(''));
  const rewardMean = mean(results.map((r) => r.reward));
  const toolErrors = results.reduce((sum, r) => sum + r.tool_errors, 0);
  const summaryFile = await writeSummary(options, options.outDir, { tasks: results.length, reward_mean: rewardMean, tool_errors: toolErrors, failing_tasks: problems.length });
  return {
    summary: `tasks: ${results.length}, reward mean: ${rewardMean.toFixed(3)}, tool errors: ${toolErrors}`,
    problems,
    files: { results: resultsFile, summary: summaryFile },
  };
}

/** The agent's endpoint: --base-url/--model, else the student the service is configured with. */
function agentEndpoint(options: TauCliOptions, student: ModelEndpointConfig | undefined, env: Env): ModelEndpointConfig {
  if (options.baseUrl !== undefined && options.model !== undefined) {
    return {
      baseUrl: options.baseUrl,
      model: options.model,
      apiKey: options.apiKey ?? (env.STUDENT_API_KEY?.trim() || 'none'),
      timeoutMs: student?.timeoutMs ?? 60_000,
      maxRetries: student?.maxRetries ?? 2,
    };
  }
  if (student === undefined) throw new TauUsageError('--agent model needs a model: --base-url and --model, or STUDENT_BASE_URL and STUDENT_MODEL');
  return options.apiKey === undefined ? student : { ...student, apiKey: options.apiKey };
}

/**
 * The generic arm's playbook, as eval:dialogue's: written by the teacher from the policy alone,
 * within CHAT_GUIDANCE_TOKEN_BUDGET, cached beside the output directory. Served composed after the
 * policy as Coach composes a note, so generic and coach share a prompt shape (the student arm keeps
 * upstream's bare policy).
 */
async function tauPlaybook(options: TauCliOptions, policy: string, config: Config, signal: AbortSignal): Promise<GenericPlaybook> {
  const teacher = config.models.teacher;
  if (teacher === undefined) throw new TauUsageError('--arm generic needs the teacher to write its playbook: TEACHER_BASE_URL and TEACHER_MODEL');
  try {
    return await genericPlaybook({
      policy,
      prompt: loadEvalPrompts().genericPlaybook,
      budget: config.chat.guidanceTokenBudget,
      teacher: new ChatModel('teacher', teacher),
      cacheDir: path.join(path.dirname(options.outDir), 'generic-playbooks'),
      signal,
    });
  } catch (err) {
    throw err instanceof PlaybookBudgetError ? new TauUsageError(err.message) : err;
  }
}

/** Every arm's trials run into `outDir` so far (`<outDir>/<arm>/results.jsonl`), and the warnings of each arm's run. */
async function armRuns(outDir: string): Promise<{ runs: TauArmRun[]; warnings: string[] }> {
  const runs: TauArmRun[] = [];
  const warnings: string[] = [];
  for (const arm of ARMS) {
    const results = await new ResultsFile<TrialResult>(path.join(outDir, arm, 'results.jsonl')).readAll();
    if (results.length === 0) continue;
    runs.push({ arm, results });
    const summary = JSON.parse(await readFile(path.join(outDir, arm, 'summary.json'), 'utf8')) as { warnings?: string[] };
    warnings.push(...(summary.warnings ?? []).map((w) => `${arm} run: ${w}`));
  }
  return { runs, warnings };
}

async function libraryBuild(options: TauCliOptions, env: Env, prices: Record<string, ModelPrice>): Promise<LibraryBuild> {
  if (options.library === undefined) return { unavailable: 'no --library was given to read the teacher jobs that built it' };
  const evaluation = loadEvaluationConfig(env);
  const coach = new CoachClient(options.url ?? evaluation.coachUrl, evaluation.coachApiKey);
  const snapshot = await coach.library(options.library);
  return libraryBuildCost(coach, teacherJobIds(await libraryProvenances(coach, snapshot)), prices);
}

/** The comparison of every arm in the output directory, as report.json, summary.md and two charts. */
async function writeTauReport(options: TauCliOptions, env: Env, prices: Record<string, ModelPrice>, run: Record<string, unknown>): Promise<Record<string, string>> {
  const { runs, warnings } = await armRuns(options.outDir);
  const report = buildTauReport({ runs, prices, bootstrap: options.bootstrap, libraryBuild: await libraryBuild(options, env, prices), warnings, run });
  const files = {
    report: path.join(options.outDir, 'report.json'),
    'report summary': path.join(options.outDir, 'summary.md'),
    differences: path.join(options.outDir, 'differences.svg'),
    'pass^k': path.join(options.outDir, 'pass-k.svg'),
  };
  await writeFile(files.report, JSON.stringify(report, null, 2) + '\n');
  await writeFile(files['report summary'], renderTauSummary(report));
  await writeFile(files.differences, renderTauDifferencesChart(report));
  await writeFile(files['pass^k'], renderPassHatKChart(report));
  return files;
}

/**
 * `--agent model`: each task × trial as a conversation of the agent with the simulated user;
 * `<out>/<arm>/results.jsonl` gets one line per trial as it finishes, then the report over every
 * arm run into `<out>` is rewritten.
 */
export interface TrialProgress {
  /** Before the first trial: how many there are, and setup problems to print loudly (also in the report). */
  start(total: number, warnings: string[]): void;
  /** Each trial as it finishes, in the order they finish. */
  result(result: TrialResult | TrialFailure): void;
}

export async function evaluateModel(options: TauCliOptions, env: Env, signal: AbortSignal, progress?: TrialProgress): Promise<CommandOutcome> {
  const config = loadConfig(env);
  const agent = new OpenAIAgent(agentEndpoint(options, config.models.student, env), options.temperature);
  const userEndpoint = config.models.customer;
  if (userEndpoint === undefined) throw new TauUsageError('--agent model needs a simulated user: CUSTOMER_BASE_URL and CUSTOMER_MODEL, or TEACHER_BASE_URL and TEACHER_MODEL');
  const warnings = teacherOverlap(config.models.teacher, [{ role: 'simulated user', endpoint: userEndpoint, fix: 'CUSTOMER_BASE_URL and CUSTOMER_MODEL' }]);
  const userPrompt = loadUserPrompt();
  const { data, tasks } = await inputs(options);
  const playbook = options.arm === 'generic' ? await tauPlaybook(options, data.policy, config, signal) : null;
  const armDir = path.join(options.outDir, options.arm);
  await mkdir(armDir, { recursive: true });
  const resultsPath = path.join(armDir, 'results.jsonl');
  await writeFile(resultsPath, '');
  const resultsFile = new ResultsFile<TrialResult>(resultsPath);
  const written: Promise<void>[] = [];
  progress?.start(tasks.length * options.trials, warnings);
  const { results, failures } = await runTrials({
    data,
    tasks,
    trials: options.trials,
    agent,
    userModel: (seed) => new SeededChatModel('customer', userEndpoint, seed),
    userPrompt,
    maxSteps: options.maxSteps,
    systemPrompt: playbook === null ? undefined : composePrompt({ policy: data.policy, guidance: [playbookNote(playbook.text)], messages: [], guidanceTokenBudget: playbook.budget }).messages[0]!.content ?? undefined,
    concurrency: options.concurrency,
    signal,
    onResult: (result) => {
      if ('reward' in result) written.push(resultsFile.append(result));
      progress?.result(result);
    },
  });
  await Promise.all(written);
  const rewardMean = mean(results.map((r) => r.reward));
  const toolErrors = results.reduce((sum, r) => sum + r.tool_errors, 0);
  const complete = tasks.every((task) => results.filter((r) => r.task_id === task.task_id).length === options.trials);
  const passHat = complete && results.length > 0 ? passHatKs(results) : {};
  const summaryFile = await writeSummary(options, armDir, {
    arm: options.arm,
    agent_model: agent.model,
    user_model: userEndpoint.model,
    user_prompt: userPrompt.version,
    tasks: tasks.length,
    trials: options.trials,
    finished_trials: results.length,
    failed_trials: failures.length,
    reward_mean: rewardMean,
    tool_errors: toolErrors,
    ...passHat,
    warnings,
    ...(playbook === null ? {} : { generic_playbook: playbook }),
  });
  const run = { domain: options.domain, tasks_file: options.tasksFile, user_model: userEndpoint.model, user_prompt: userPrompt.version, max_steps: options.maxSteps, library: options.library ?? null };
  const reportFiles = await writeTauReport(options, env, config.teacher.prices, run);
  const passText = Object.entries(passHat).map(([k, v]) => `, ${k}: ${v.toFixed(3)}`).join('');
  return {
    summary: `${options.arm}: tasks: ${tasks.length}, trials: ${results.length}/${tasks.length * options.trials}, reward mean: ${rewardMean.toFixed(3)}, tool errors: ${toolErrors}${passText}`,
    problems: failures.map((f) => `task ${f.task_id} trial ${f.trial}: ${f.error}`),
    files: { results: resultsPath, summary: summaryFile, ...reportFiles },
  };
}
