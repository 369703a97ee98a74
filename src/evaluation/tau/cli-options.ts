import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../project-root.js';
import { ARMS, type ArmName } from '../arms.js';
import { DOMAINS, type Domain } from './domain-data.js';
import { DEFAULT_MAX_STEPS } from './trial.js';

export const USAGE = `usage: npm run eval:tau -- --domain retail|airline --tasks FILE --agent gold|model [--out DIR]
  [--data DIR] [--task-ids 0,2,4] [--limit N] [--trials 1] [--max-steps ${DEFAULT_MAX_STEPS}] [--concurrency 2]
  [--arm ${ARMS.join('|')}] [--base-url URL --model NAME] [--api-key KEY] [--temperature 0]
  [--library ID] [--url URL] [--bootstrap 2000] [--bootstrap-seed 1] [--progress-every 10]

  --agent gold   no model: replays each task's gold actions through the tools, states the required
                 outputs, and checks the environment (exit 1 unless every task earns 1 with no tool error)
  --agent model  an LLM agent at an OpenAI-compatible endpoint (--base-url and --model, else
                 STUDENT_BASE_URL and STUDENT_MODEL) plays each task --trials times against the
                 simulated user (CUSTOMER_* or TEACHER_* variables), scored by reward and pass^k
  --arm          which arm the agent is (default student): its trials go to <out>/<arm>/, and the
                 report in <out> compares every arm run there, paired by task and trial; generic
                 serves the agent the teacher's playbook (TEACHER_*, CHAT_GUIDANCE_TOKEN_BUDGET)
  --data         the tau_bench data folder (env/, raw/); default: the folder above the task file's
                 derived/ folder, else ../shared/data/tau_bench beside the repository
  --limit        only the first N tasks (after --task-ids)
  --library      the Coach library whose teacher jobs' token cost the break-even is computed from
                 (COACH_URL or --url, COACH_API_KEY with an admin or teacher key)
  --bootstrap    resamples of the tasks for the intervals; --bootstrap-seed its seed
  --progress-every  when stderr is not a terminal, a progress line every N trials (else one per trial)
  --out          default eval-runs/tau-<domain>-<agent>; gold: results.jsonl and summary.json there;
                 model: <arm>/results.jsonl and <arm>/summary.json, then report.json, summary.md,
                 differences.svg and pass-k.svg over all arms`;

export class TauUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'TauUsageError';
  }
}

export interface TauCliOptions {
  domain: Domain;
  tasksFile: string;
  agent: 'gold' | 'model';
  outDir: string;
  dataDir: string;
  taskIds?: number[];
  limit?: number;
  arm: ArmName;
  library?: string;
  url?: string;
  bootstrap: { iterations: number; seed: number };
  progressEvery: number;
  trials: number;
  maxSteps: number;
  concurrency: number;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  temperature: number;
}

function whole(name: string, raw: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new TauUsageError(`--${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return Number(raw);
}

/** The data folder a derived task file sits in (`<data>/derived/tasks_….json`), else the shared data beside the repository; why not, when neither exists. */
export function tauDataDirOf(tasksFile: string): { dir: string } | { missing: string } {
  const dir = path.dirname(tasksFile);
  if (path.basename(dir) === 'derived' && existsSync(path.join(dir, '..', 'env'))) return { dir: path.dirname(dir) };
  const shared = path.resolve(projectRoot(), '../shared/data/tau_bench');
  if (existsSync(path.join(shared, 'env'))) return { dir: shared };
  return { missing: `${tasksFile} is not in a tau_bench derived/ folder and ${shared} does not exist` };
}

function defaultDataDir(tasksFile: string): string {
  const found = tauDataDirOf(tasksFile);
  if ('missing' in found) throw new TauUsageError(`--data is required: ${found.missing}`);
  return found.dir;
}

/** Returns null for --help. */
export function parseTauCli(argv: string[]): TauCliOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        domain: { type: 'string' },
        tasks: { type: 'string' },
        agent: { type: 'string' },
        out: { type: 'string' },
        data: { type: 'string' },
        'task-ids': { type: 'string' },
        limit: { type: 'string' },
        arm: { type: 'string' },
        library: { type: 'string' },
        url: { type: 'string' },
        bootstrap: { type: 'string', default: '2000' },
        'bootstrap-seed': { type: 'string', default: '1' },
        'progress-every': { type: 'string', default: '10' },
        trials: { type: 'string', default: '1' },
        'max-steps': { type: 'string', default: String(DEFAULT_MAX_STEPS) },
        concurrency: { type: 'string', default: '2' },
        'base-url': { type: 'string' },
        model: { type: 'string' },
        'api-key': { type: 'string' },
        temperature: { type: 'string', default: '0' },
      },
    }));
  } catch (err) {
    throw new TauUsageError((err as Error).message);
  }
  if (values.help) return null;
  const domain = values.domain as Domain | undefined;
  if (domain === undefined || !DOMAINS.includes(domain)) throw new TauUsageError(`--domain must be one of ${DOMAINS.join(', ')}${values.domain === undefined ? '' : `, got "${values.domain}"`}`);
  if (values.tasks === undefined) throw new TauUsageError('--tasks is required');
  if (values.agent !== 'gold' && values.agent !== 'model') throw new TauUsageError(`--agent must be gold or model${values.agent === undefined ? '' : `, got "${values.agent}"`}`);
  const tasksFile = path.resolve(values.tasks);
  const taskIds = values['task-ids']?.split(',').map((id) => {
    if (!/^\d+$/.test(id.trim())) throw new TauUsageError(`--task-ids must be task ids separated by commas, got "${values['task-ids']}"`);
    return Number(id);
  });
  const temperature = Number(values.temperature);
  if (!/^\d+(\.\d+)?$/.test(values.temperature) || temperature > 2) throw new TauUsageError(`--temperature must be a number from 0 to 2, got "${values.temperature}"`);
  if (values.agent === 'gold') {
    const modelOnly = ['base-url', 'model', 'api-key', 'arm', 'library'].filter((name) => values[name as 'model'] !== undefined);
    if (values.trials !== '1') modelOnly.push('trials');
    if (modelOnly.length > 0) throw new TauUsageError(`--${modelOnly.join(', --')} apply to --agent model; the gold replay is deterministic and uses no model`);
  }
  if ((values['base-url'] === undefined) !== (values.model === undefined)) throw new TauUsageError('--base-url and --model go together');
  const arm = values.arm ?? 'student';
  if (!(ARMS as readonly string[]).includes(arm)) throw new TauUsageError(`--arm must be one of ${ARMS.join(', ')}, got "${arm}"`);
  if (values.url !== undefined && !/^https?:\/\//.test(values.url)) throw new TauUsageError(`--url must be an http:// or https:// URL, got "${values.url}"`);
  return {
    domain,
    tasksFile,
    agent: values.agent,
    outDir: path.resolve(values.out ?? path.join('eval-runs', `tau-${domain}-${values.agent}`)),
    dataDir: path.resolve(values.data ?? defaultDataDir(tasksFile)),
    taskIds,
    limit: values.limit === undefined ? undefined : whole('limit', values.limit, 1_000_000),
    arm: arm as ArmName,
    library: values.library,
    url: values.url,
    bootstrap: { iterations: whole('bootstrap', values.bootstrap, 100_000), seed: whole('bootstrap-seed', values['bootstrap-seed'], 2 ** 31) },
    progressEvery: whole('progress-every', values['progress-every'], 1_000_000),
    trials: whole('trials', values.trials, 1000),
    maxSteps: whole('max-steps', values['max-steps'], 1000),
    concurrency: whole('concurrency', values.concurrency, 64),
    baseUrl: values['base-url'],
    model: values.model,
    apiKey: values['api-key'],
    temperature,
  };
}
