import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TauUsageError, type TauCliOptions } from './cli-options.js';
import { loadDomain, loadTasks, type DomainData, type TauTask } from './domain-data.js';
import { replayGold, type GoldReplayResult } from './gold-agent.js';

export interface CommandOutcome {
  /** The one-line summary printed at the end. */
  summary: string;
  /** For the gold check: the tasks that did not earn 1 without tool errors. For a model run: failed trials. */
  problems: string[];
  /** What was written, by name, in the order to print. */
  files: Record<string, string>;
}

export async function inputs(options: TauCliOptions): Promise<{ data: DomainData; tasks: TauTask[] }> {
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

export const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

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

