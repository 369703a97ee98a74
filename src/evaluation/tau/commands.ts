import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type ModelEndpointConfig } from '../../config.js';
import { SeededChatModel } from '../seeded-model.js';
import { ResultsFile } from '../results-file.js';
import { OpenAIAgent } from './agent-model.js';
import { TauUsageError, type TauCliOptions } from './cli-options.js';
import { loadDomain, loadTasks, type DomainData, type TauTask } from './domain-data.js';
import { replayGold, type GoldReplayResult } from './gold-agent.js';
import { passHatKs } from './pass-hat-k.js';
import { runTrials, type TrialFailure } from './run-trials.js';
import { loadUserPrompt } from './simulated-user.js';
import type { TrialResult } from './trial.js';

type Env = Record<string, string | undefined>;

export interface CommandOutcome {
  /** The one-line summary printed at the end. */
  summary: string;
  /** For the gold check: the tasks that did not earn 1 without tool errors. For a model run: failed trials. */
  problems: string[];
  files: { results: string; summary: string };
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
  return { data, tasks };
}

async function writeSummary(options: TauCliOptions, summary: object): Promise<string> {
  const file = path.join(options.outDir, 'summary.json');
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
  const summaryFile = await writeSummary(options, { tasks: results.length, reward_mean: rewardMean, tool_errors: toolErrors, failing_tasks: problems.length });
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
 * `--agent model`: each task × trial as a conversation of the agent with the simulated user;
 * results.jsonl gets one line per trial as it finishes.
 */
export async function evaluateModel(options: TauCliOptions, env: Env, signal: AbortSignal, onResult?: (result: TrialResult | TrialFailure) => void): Promise<CommandOutcome> {
  const config = loadConfig(env);
  const agent = new OpenAIAgent(agentEndpoint(options, config.models.student, env), options.temperature);
  const userEndpoint = config.models.customer;
  if (userEndpoint === undefined) throw new TauUsageError('--agent model needs a simulated user: CUSTOMER_BASE_URL and CUSTOMER_MODEL, or TEACHER_BASE_URL and TEACHER_MODEL');
  const userPrompt = loadUserPrompt();
  const { data, tasks } = await inputs(options);
  await mkdir(options.outDir, { recursive: true });
  const resultsPath = path.join(options.outDir, 'results.jsonl');
  await writeFile(resultsPath, '');
  const resultsFile = new ResultsFile<TrialResult>(resultsPath);
  const written: Promise<void>[] = [];
  const { results, failures } = await runTrials({
    data,
    tasks,
    trials: options.trials,
    agent,
    userModel: (seed) => new SeededChatModel('customer', userEndpoint, seed),
    userPrompt,
    maxSteps: options.maxSteps,
    concurrency: options.concurrency,
    signal,
    onResult: (result) => {
      if ('reward' in result) written.push(resultsFile.append(result));
      onResult?.(result);
    },
  });
  await Promise.all(written);
  const rewardMean = mean(results.map((r) => r.reward));
  const toolErrors = results.reduce((sum, r) => sum + r.tool_errors, 0);
  const complete = tasks.every((task) => results.filter((r) => r.task_id === task.task_id).length === options.trials);
  const passHat = complete && results.length > 0 ? passHatKs(results) : {};
  const summaryFile = await writeSummary(options, {
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
  });
  const passText = Object.entries(passHat).map(([k, v]) => `, ${k}: ${v.toFixed(3)}`).join('');
  return {
    summary: `tasks: ${tasks.length}, trials: ${results.length}/${tasks.length * options.trials}, reward mean: ${rewardMean.toFixed(3)}, tool errors: ${toolErrors}${passText}`,
    problems: failures.map((f) => `task ${f.task_id} trial ${f.trial}: ${f.error}`),
    files: { results: resultsPath, summary: summaryFile },
  };
}
