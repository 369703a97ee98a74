import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const DOMAINS = ['retail', 'airline'] as const;
export type Domain = (typeof DOMAINS)[number];

/** A domain's database: tables (users, orders, …) of records keyed by id, as upstream loads them. */
export type Database = Record<string, Record<string, any>>;

/** A tool as upstream hands it to the agent: an OpenAI function schema. */
export interface ToolSchema {
  type: 'function';
  function: {
    name: string;
    description: string;
    parameters: { type: 'object'; properties: Record<string, unknown>; required: string[] };
  };
}

export interface TauAction {
  name: string;
  kwargs: Record<string, unknown>;
}

export interface TauTask {
  task_id: number;
  user_id: string;
  instruction: string;
  /** The gold tool calls; replaying them on a fresh database gives the database the agent must reach. */
  actions: TauAction[];
  /** Strings the agent must say (τ-bench checks them case-insensitively, with commas removed). */
  outputs: string[];
  domain?: string;
  /** Which upstream task list it came from (train, dev, test): part of its scenario id. */
  upstream_split?: string;
}

/** The id a task is known by in libraries and reports, as eval:dialogue's τ-bench adapter names it. */
export const scenarioIdOf = (domain: Domain, task: TauTask) => `tau-${domain}-${task.upstream_split ?? 'task'}-${task.task_id}`;

/** Everything an environment of one domain is built from, read once and shared (never mutated) by trials. */
export interface DomainData {
  domain: Domain;
  db: Database;
  tools: ToolSchema[];
  /** The agent policy, which upstream gives the agent as its system prompt. */
  policy: string;
}

/** A data file that is missing or not what it should be; the message names the file. */
export class TauDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TauDataError';
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TauDataError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TauDataError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const TABLES: Record<Domain, string[]> = { retail: ['users', 'orders', 'products'], airline: ['flights', 'reservations', 'users'] };

/**
 * `<data>/env/<domain>/{db,tools}.json` and `<data>/raw/<domain>_wiki.md`, where `<data>` is the
 * τ-bench folder of the shared data (../shared/data/tau_bench from the repository).
 */
export async function loadDomain(dataDir: string, domain: Domain): Promise<DomainData> {
  const envDir = path.join(dataDir, 'env', domain);
  const dbFile = path.join(envDir, 'db.json');
  const db = (await readJson(dbFile, 'database')) as Database;
  for (const table of TABLES[domain]) {
    if (typeof db?.[table] !== 'object' || db[table] === null) throw new TauDataError(`database ${dbFile} has no "${table}" table`);
  }
  const toolsFile = path.join(envDir, 'tools.json');
  const tools = (await readJson(toolsFile, 'tool schemas')) as ToolSchema[];
  if (!Array.isArray(tools) || !tools.every((t) => typeof t?.function?.name === 'string' && Array.isArray(t.function.parameters?.required))) {
    throw new TauDataError(`${toolsFile} is not a list of OpenAI function schemas`);
  }
  const policyFile = path.join(dataDir, 'raw', `${domain}_wiki.md`);
  let policy: string;
  try {
    policy = await readFile(policyFile, 'utf8');
  } catch (err) {
    throw new TauDataError(`cannot read policy ${policyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { domain, db, tools, policy };
}

/**
 * A task file of `derived/` (`{source, tasks}`) or a bare array of tasks, checked against the
 * domain. A task without `task_id` gets its position, as upstream numbers tasks.
 */
export async function loadTasks(file: string, domain: Domain): Promise<TauTask[]> {
  const raw = await readJson(file, 'task file');
  const tasks = (Array.isArray(raw) ? raw : (raw as { tasks?: unknown })?.tasks) as TauTask[] | undefined;
  if (!Array.isArray(tasks)) throw new TauDataError(`task file ${file} is not a τ-bench task file (an array, or an object with "tasks")`);
  tasks.forEach((task, i) => {
    const where = `task file ${file}, task ${i}`;
    if (typeof task !== 'object' || task === null) throw new TauDataError(`${where} is not an object`);
    // Upstream's task lists have no ids: a task is known by its position.
    task.task_id ??= i;
    if (typeof task.task_id !== 'number') throw new TauDataError(`${where} has a "task_id" that is not a number`);
    if (typeof task.instruction !== 'string') throw new TauDataError(`${where} has no "instruction"`);
    if (!Array.isArray(task.actions) || !task.actions.every((a) => typeof a?.name === 'string' && typeof a.kwargs === 'object' && a.kwargs !== null)) {
      throw new TauDataError(`${where} has no list of "actions" ({name, kwargs})`);
    }
    if (!Array.isArray(task.outputs ?? []) || !(task.outputs ?? []).every((o) => typeof o === 'string')) throw new TauDataError(`${where} has "outputs" that are not strings`);
    if (task.domain !== undefined && task.domain !== domain) throw new TauDataError(`${where} is a ${task.domain} task, not ${domain}: pass --domain ${task.domain}`);
    task.outputs ??= [];
  });
  const ids = new Set<number>();
  for (const task of tasks) {
    if (ids.has(task.task_id)) throw new TauDataError(`task file ${file} has task_id ${task.task_id} twice`);
    ids.add(task.task_id);
  }
  return tasks;
}
