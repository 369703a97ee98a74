import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDomain, loadTasks, type Domain, type DomainData, type TauTask } from '../../src/evaluation/tau/domain-data.js';
import { projectRoot } from '../../src/project-root.js';

/**
 * The shared τ-bench data beside the repository (CI copies shared/ next to its fresh clone), or
 * where TAU_BENCH_DATA points (a git worktree has no shared/ beside it). It is read where it lies,
 * never copied; without it the τ-bench tests fail rather than skip.
 */
export function tauDataDir(): string {
  const dir = path.resolve(process.env.TAU_BENCH_DATA ?? path.join(projectRoot(), '../shared/data/tau_bench'));
  if (!existsSync(path.join(dir, 'env'))) {
    throw new Error(`τ-bench data not found at ${dir}: these tests read ../shared/data/tau_bench beside the repository (env/, raw/, derived/), or the folder TAU_BENCH_DATA names`);
  }
  return dir;
}

const domains = new Map<Domain, Promise<DomainData>>();

/** A domain's data, loaded once per test file; environments copy it, so sharing it is safe. */
export function domainData(domain: Domain): Promise<DomainData> {
  if (!domains.has(domain)) domains.set(domain, loadDomain(tauDataDir(), domain));
  return domains.get(domain)!;
}

export const TASK_FILES = {
  retailDev: { domain: 'retail', file: 'tasks_retail_dev.json' },
  retailTrain: { domain: 'retail', file: 'tasks_retail_train.json' },
  airlineDev: { domain: 'airline', file: 'tasks_airline_dev_even.json' },
} as const;

export function taskFile(name: keyof typeof TASK_FILES): string {
  return path.join(tauDataDir(), 'derived', TASK_FILES[name].file);
}

export function tasks(name: keyof typeof TASK_FILES): Promise<TauTask[]> {
  return loadTasks(taskFile(name), TASK_FILES[name].domain);
}
