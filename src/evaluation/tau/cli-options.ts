import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../project-root.js';
import { ARMS, parseArms, type ArmName } from '../arms.js';
import { DOMAINS, type Domain } from './domain-data.js';
import { DEFAULT_MAX_STEPS } from './trial.js';

export const USAGE = `usage: npm run eval:tau -- --domain retail|airline --tasks FILE [--agent gold | --arms LIST] [--out DIR]
  [--data DIR] [--task-ids 0,2,4] [--limit N] [--trials 1] [--max-steps ${DEFAULT_MAX_STEPS}] [--concurrency 2] [--temperature 0]
  [--library ID] [--url URL] [--force] [--sft-base-url URL --sft-model NAME] [--record-transcripts]
  [--bootstrap 2000] [--bootstrap-seed 1] [--progress-every 10]

  --agent gold   no model: replays each task's gold actions through the tools, states the required
                 outputs, and checks the environment (exit 1 unless every task earns 1 with no tool error)
  --arms         the arms to play, of ${ARMS.join(',')} (default student,generic,coach,teacher, and sft
                 when configured): each task --trials times against the simulated user (CUSTOMER_*,
                 else TEACHER_*, warned about), scored by reward and pass^k, then compared.
                 student: STUDENT_* served the policy as Coach composes it, no notes; generic: the same
                 with the teacher's playbook written from the policy alone (TEACHER_*,
                 CHAT_GUIDANCE_TOKEN_BUDGET); coach: the student through the running Coach's
                 /v1/chat/completions with --library (COACH_URL or --url, COACH_API_KEY); teacher:
                 TEACHER_* served as the student; sft: SFT_* or --sft-base-url/--sft-model
  --library      the Coach library of the coach arm; also gives the build cost and break-even (an
                 admin or teacher key reads its teacher jobs); tasks it was built from are refused
                 unless --force
  --record-transcripts  also write each arm's trials as teacher transcript jobs (<out>/transcripts/
                 <arm>-NNN.json, up to 200 each) for npm run teach -- --library ID --file FILE
  --data         the tau_bench data folder (env/, raw/); default: the folder above the task file's
                 derived/ folder, else ../shared/data/tau_bench beside the repository
  --limit        only the first N tasks (after --task-ids)
  --bootstrap    resamples of the tasks for the intervals; --bootstrap-seed its seed
  --progress-every  when stderr is not a terminal, a progress line every N trials (else one per trial)
  --out          default eval-runs/tau-<domain>; gold: results.jsonl and summary.json there; arms:
                 results.jsonl (a line per finished trial; a rerun does only what is missing),
                 run.json, report.json, summary.md, differences.svg and pass-k.svg`;

export class TauUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'TauUsageError';
  }
}

export interface TauCliOptions {
  domain: Domain;
  tasksFile: string;
  /** gold: the environment check; arms: the arms against the simulated user. */
  agent: 'gold' | 'arms';
  outDir: string;
  dataDir: string;
  taskIds?: number[];
  limit?: number;
  /** Absent: the default arms (sft too when a fine-tuned endpoint is configured). */
  arms?: ArmName[];
  library?: string;
  url?: string;
  force: boolean;
  sftBaseUrl?: string;
  sftModel?: string;
  recordTranscripts: boolean;
  bootstrap: { iterations: number; seed: number };
  progressEvery: number;
  trials: number;
  maxSteps: number;
  concurrency: number;
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

const http = (name: string, value: string | undefined) => {
  if (value !== undefined && !/^https?:\/\//.test(value)) throw new TauUsageError(`--${name} must be an http:// or https:// URL, got "${value}"`);
  return value;
};

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
        arms: { type: 'string' },
        out: { type: 'string' },
        data: { type: 'string' },
        'task-ids': { type: 'string' },
        limit: { type: 'string' },
        library: { type: 'string' },
        url: { type: 'string' },
        force: { type: 'boolean', default: false },
        'sft-base-url': { type: 'string' },
        'sft-model': { type: 'string' },
        'record-transcripts': { type: 'boolean', default: false },
        bootstrap: { type: 'string', default: '2000' },
        'bootstrap-seed': { type: 'string', default: '1' },
        'progress-every': { type: 'string', default: '10' },
        trials: { type: 'string', default: '1' },
        'max-steps': { type: 'string', default: String(DEFAULT_MAX_STEPS) },
        concurrency: { type: 'string', default: '2' },
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
  if (values.agent !== undefined && values.agent !== 'gold') throw new TauUsageError(`--agent must be gold (the arms are --arms), got "${values.agent}"`);
  const agent = values.agent === 'gold' ? 'gold' : 'arms';
  const tasksFile = path.resolve(values.tasks);
  const taskIds = values['task-ids']?.split(',').map((id) => {
    if (!/^\d+$/.test(id.trim())) throw new TauUsageError(`--task-ids must be task ids separated by commas, got "${values['task-ids']}"`);
    return Number(id);
  });
  const temperature = Number(values.temperature);
  if (!/^\d+(\.\d+)?$/.test(values.temperature) || temperature > 2) throw new TauUsageError(`--temperature must be a number from 0 to 2, got "${values.temperature}"`);
  if (agent === 'gold') {
    const modelOnly = ['arms', 'library', 'sft-base-url', 'sft-model'].filter((name) => values[name as 'arms'] !== undefined);
    if (values.trials !== '1') modelOnly.push('trials');
    if (values['record-transcripts']) modelOnly.push('record-transcripts');
    if (modelOnly.length > 0) throw new TauUsageError(`--${modelOnly.join(', --')} apply to the arms; the gold replay is deterministic and uses no model`);
  }
  if ((values['sft-base-url'] === undefined) !== (values['sft-model'] === undefined)) throw new TauUsageError('--sft-base-url and --sft-model go together');
  let arms: ArmName[] | undefined;
  try {
    arms = values.arms === undefined ? undefined : parseArms(values.arms);
  } catch (err) {
    throw new TauUsageError((err as Error).message);
  }
  return {
    domain,
    tasksFile,
    agent,
    outDir: path.resolve(values.out ?? path.join('eval-runs', agent === 'gold' ? `tau-${domain}-gold` : `tau-${domain}`)),
    dataDir: path.resolve(values.data ?? defaultDataDir(tasksFile)),
    taskIds,
    limit: values.limit === undefined ? undefined : whole('limit', values.limit, 1_000_000),
    arms,
    library: values.library,
    url: http('url', values.url),
    force: values.force,
    sftBaseUrl: http('sft-base-url', values['sft-base-url']),
    sftModel: values['sft-model'],
    recordTranscripts: values['record-transcripts'],
    bootstrap: { iterations: whole('bootstrap', values.bootstrap, 100_000), seed: whole('bootstrap-seed', values['bootstrap-seed'], 2 ** 31) },
    progressEvery: whole('progress-every', values['progress-every'], 1_000_000),
    trials: whole('trials', values.trials, 1000),
    maxSteps: whole('max-steps', values['max-steps'], 1000),
    concurrency: whole('concurrency', values.concurrency, 64),
    temperature,
  };
}
