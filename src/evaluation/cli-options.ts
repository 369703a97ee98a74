import { defineCommand, httpUrl, integerOption, parseCommand, UsageError, type OptionValues } from '../cli.js';
import { ARMS, parseArms, type ArmName } from './arms.js';

export const EVAL_DIALOGUE = defineCommand({
  name: 'eval:dialogue',
  summary:
    "Plays held-out scenarios with simulated customers against each arm (student alone, the teacher's generic playbook, Coach retrieval, teacher alone, " +
    'optionally a fine-tuned student), judges every conversation and the claim comparisons, and writes report.json, summary.md (claims first), ' +
    'chart.svg and differences.svg. Rerunning resumes.',
  options: {
    library: { type: 'string', placeholder: 'ID', description: 'the library of the running Coach', required: true },
    scenarios: { type: 'string', placeholder: '[tau:|abcd:|jsonl:]FILE', description: 'held-out scenarios', required: true },
    arms: { type: 'string', placeholder: 'LIST', description: `comma-separated, of ${ARMS.join(',')} (default student,generic,coach,teacher, plus sft when configured)` },
    seeds: { type: 'string', placeholder: 'N', description: 'conversations per scenario and arm', default: '3' },
    out: { type: 'string', placeholder: 'DIR', description: 'output directory (default eval-runs/<library>)' },
    force: { type: 'boolean', description: 'run scenarios that built the library' },
    'max-turns': { type: 'string', placeholder: 'N', description: 'agent turns per conversation', default: '10' },
    concurrency: { type: 'string', placeholder: 'N', description: 'conversations played at once', default: '2' },
    url: { type: 'string', placeholder: 'URL', description: 'the running Coach (default COACH_URL, else http://127.0.0.1:$PORT)' },
    key: { type: 'string', placeholder: 'KEY', description: 'API key that can read the library; prefer COACH_API_KEY, since npm echoes the command line' },
    'judge-model': { type: 'string', placeholder: 'NAME', description: "another model on the judge's endpoint" },
    'sft-base-url': { type: 'string', placeholder: 'URL', description: 'a fine-tuned student for the sft arm (with --sft-model)' },
    'sft-model': { type: 'string', placeholder: 'NAME', description: 'the fine-tuned model name' },
    'student-model': { type: 'string', placeholder: 'LIST', description: "transfer: other models on the student's endpoint, comma-separated, served the same library (student, generic and coach arms) and reported side by side" },
    'scenario-ids': { type: 'string', placeholder: 'LIST', description: 'only these scenarios, comma-separated ids' },
    limit: { type: 'string', placeholder: 'N', description: 'only the first N scenarios (after --scenario-ids)' },
    'resolved-at': { type: 'string', placeholder: 'N', description: "judge resolution score (1–7) from which a conversation counts as resolved, for the cost per resolved task", default: '6' },
    'progress-every': { type: 'string', placeholder: 'N', description: 'when stderr is not a terminal: a progress line every N conversations or comparisons', default: '10' },
    'no-pairwise': { type: 'boolean', description: 'skip the pairwise comparisons' },
    bootstrap: { type: 'string', placeholder: 'N', description: 'bootstrap resamples for the intervals', default: '2000' },
    'bootstrap-seed': { type: 'string', placeholder: 'N', description: 'seed of the bootstrap', default: '1' },
  },
  notes:
    'Models: the same STUDENT_*, TEACHER_*, CUSTOMER_*, MODEL_PRICES and CHAT_GUIDANCE_TOKEN_BUDGET as the service, plus JUDGE_* and SFT_*.\n' +
    'A judge or customer that is the teacher model is warned about on stderr and in the report.\n' +
    'Coach: COACH_URL, COACH_API_KEY.',
  failure: 'some conversations or comparisons failed (rerun to retry them), or Coach refused a request (its error message is printed)',
  unreachable: 'Coach cannot be reached',
});

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
  transferModels: string[];
  scenarioIds?: string[];
  limit?: number;
  resolvedAt: number;
  progressEvery: number;
  pairwise: boolean;
  bootstrapIterations: number;
  bootstrapSeed: number;
}

/** A comma-separated option: its distinct non-empty items, or undefined when not given. */
function list(raw: string | undefined): string[] | undefined {
  return raw === undefined ? undefined : [...new Set(raw.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
}

export function cliOptions(values: OptionValues<typeof EVAL_DIALOGUE.options>): CliOptions {
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
    seeds: integerOption('seeds', values.seeds, 1, 1000),
    out: values.out,
    force: values.force,
    maxTurns: integerOption('max-turns', values['max-turns'], 1, 100),
    concurrency: integerOption('concurrency', values.concurrency, 1, 64),
    url: values.url === undefined ? undefined : httpUrl('--url', values.url),
    key: values.key,
    judgeModel: values['judge-model'],
    sftBaseUrl: values['sft-base-url'] === undefined ? undefined : httpUrl('--sft-base-url', values['sft-base-url']),
    sftModel: values['sft-model'],
    transferModels: list(values['student-model']) ?? [],
    scenarioIds: list(values['scenario-ids']),
    limit: values.limit === undefined ? undefined : integerOption('limit', values.limit, 1),
    resolvedAt: integerOption('resolved-at', values['resolved-at'], 1, 7),
    progressEvery: integerOption('progress-every', values['progress-every'], 1),
    pairwise: !values['no-pairwise'],
    bootstrapIterations: integerOption('bootstrap', values.bootstrap, 1, 100_000),
    bootstrapSeed: integerOption('bootstrap-seed', values['bootstrap-seed'], 1, 2 ** 31),
  };
}

export function parseCli(argv: string[]): CliOptions {
  return cliOptions(parseCommand(EVAL_DIALOGUE, argv));
}

export const DEFAULT_ARMS: ArmName[] = ['student', 'generic', 'coach', 'teacher'];
