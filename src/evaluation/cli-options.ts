import { parseArgs } from 'node:util';
import { ARMS, parseArms, type ArmName } from './arms.js';

export const USAGE = `usage: npm run eval:dialogue -- --library ID --scenarios [tau:|abcd:|jsonl:]FILE
  [--arms ${ARMS.join(',')}] [--seeds 3] [--out DIR] [--force] [--max-turns 10] [--concurrency 2]
  [--url http://127.0.0.1:8080] [--judge-model NAME] [--sft-base-url URL --sft-model NAME]
  [--no-pairwise] [--bootstrap 2000] [--bootstrap-seed 1]
The Coach API key is read from COACH_API_KEY (or --key).`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  library: string;
  scenarios: string;
  /** Absent: the default arms (sft too when a fine-tuned endpoint is configured). */
  arms?: ArmName[];
  seeds: number;
  out?: string;
  force: boolean;
  maxTurns: number;
  concurrency: number;
  url?: string;
  key?: string;
  judgeModel?: string;
  sftBaseUrl?: string;
  sftModel?: string;
  pairwise: boolean;
  bootstrapIterations: number;
  bootstrapSeed: number;
}

function positive(name: string, raw: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return Number(raw);
}

export function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        library: { type: 'string' },
        scenarios: { type: 'string' },
        arms: { type: 'string' },
        seeds: { type: 'string', default: '3' },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        'max-turns': { type: 'string', default: '10' },
        concurrency: { type: 'string', default: '2' },
        url: { type: 'string' },
        key: { type: 'string' },
        'judge-model': { type: 'string' },
        'sft-base-url': { type: 'string' },
        'sft-model': { type: 'string' },
        'no-pairwise': { type: 'boolean', default: false },
        bootstrap: { type: 'string', default: '2000' },
        'bootstrap-seed': { type: 'string', default: '1' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.library === undefined) throw new UsageError('--library is required');
  if (values.scenarios === undefined) throw new UsageError('--scenarios is required');
  if ((values['sft-base-url'] === undefined) !== (values['sft-model'] === undefined)) throw new UsageError('--sft-base-url and --sft-model go together');
  let arms: ArmName[] | undefined;
  try {
    arms = values.arms === undefined ? undefined : parseArms(values.arms);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    library: values.library,
    scenarios: values.scenarios,
    arms,
    seeds: positive('seeds', values.seeds, 1000),
    out: values.out,
    force: values.force,
    maxTurns: positive('max-turns', values['max-turns'], 100),
    concurrency: positive('concurrency', values.concurrency, 64),
    url: values.url,
    key: values.key,
    judgeModel: values['judge-model'],
    sftBaseUrl: values['sft-base-url'],
    sftModel: values['sft-model'],
    pairwise: !values['no-pairwise'],
    bootstrapIterations: positive('bootstrap', values.bootstrap, 100_000),
    bootstrapSeed: Number(positive('bootstrap-seed', values['bootstrap-seed'], 2 ** 31)),
  };
}

export const DEFAULT_ARMS: ArmName[] = ['student', 'generic', 'coach', 'teacher'];
