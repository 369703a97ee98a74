/**
 * Runs a teacher job on a running Coach service from a file, shows its progress, and prints the
 * job's summary.
 *
 *   npm run teach -- --library ID --file scenarios.json [--url http://127.0.0.1:8080] [--key KEY]
 *                    [--rounds 2] [--max-turns 6] [--auto-approve]
 *
 * The file holds a job body ({"kind": "scenarios", "scenarios": [...]}, or "generate": {"count": N},
 * or {"kind": "transcripts", "transcripts": [...]}), or just a JSON array of scenarios or of
 * transcripts (items with `messages`). The key defaults to COACH_API_KEY. Ctrl-C cancels the job.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { TeachAccepted, TeacherJobView as JobView } from '../src/teacher/routes/teach-schemas.js';

const { values } = parseArgs({
  options: {
    library: { type: 'string' },
    file: { type: 'string' },
    url: { type: 'string', default: process.env.COACH_URL ?? 'http://127.0.0.1:8080' },
    key: { type: 'string', default: process.env.COACH_API_KEY },
    rounds: { type: 'string' },
    'max-turns': { type: 'string' },
    'auto-approve': { type: 'boolean', default: false },
    interval: { type: 'string', default: '1000' },
  },
});

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run teach -- --library ID --file scenarios.json [--url URL] [--key KEY] [--rounds N] [--max-turns N] [--auto-approve]`);
  process.exit(2);
}

if (values.library === undefined) usage('--library is required');
if (values.file === undefined) usage('--file is required');
if (values.key === undefined) usage('--key (or COACH_API_KEY) is required');

/** A job body from the file: a whole body, or a bare array whose items tell the kind. */
function jobBody(content: unknown): Record<string, unknown> {
  if (Array.isArray(content)) {
    const transcripts = content.length > 0 && content.every((item) => typeof item === 'object' && item !== null && 'messages' in item);
    return transcripts ? { kind: 'transcripts', transcripts: content } : { kind: 'scenarios', scenarios: content };
  }
  if (typeof content === 'object' && content !== null) return { ...(content as Record<string, unknown>) };
  return usage(`${values.file} must hold a JSON array or a job object`);
}

const body = jobBody(JSON.parse(readFileSync(values.file, 'utf8')));
const options = { ...(body.options as object | undefined) } as Record<string, unknown>;
if (values.rounds !== undefined) options.rounds = Number(values.rounds);
if (values['max-turns'] !== undefined) options.max_turns = Number(values['max-turns']);
if (values['auto-approve']) options.auto_approve = true;
if (Object.keys(options).length > 0) body.options = options;

const base = values.url.replace(/\/$/, '');
const headers = { authorization: `Bearer ${values.key}`, 'content-type': 'application/json' };

async function call<T>(method: string, path: string, payload?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not Coach's JSON error (a proxy's page): shown as it came.
    }
    throw new Error(`${method} ${path} answered ${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

const tokens = (job: JobView) => Object.values(job.usage).reduce((sum, u) => sum + u.prompt_tokens + u.completion_tokens, 0);
const dollars = (cost: number | null) => (cost === null ? 'n/a (model not in MODEL_PRICES)' : `$${cost.toFixed(4)}`);

function summary(job: JobView): string {
  const lines = [
    `job ${job.id}: ${job.status}`,
    `steps: ${job.progress.done}/${job.progress.total} finished, ${job.progress.failed} failed`,
    `entries created: ${job.produced_entry_ids.length}${job.produced_entry_ids.map((id) => `\n  ${id}`).join('')}`,
    `entries given a new version (near-duplicates): ${job.merged_entry_ids.length}${job.merged_entry_ids.map((id) => `\n  ${id}`).join('')}`,
    'usage:',
    ...Object.entries(job.usage).map(
      ([role, u]) => `  ${role.padEnd(8)} ${u.model}: ${u.calls} calls, ${u.prompt_tokens} prompt + ${u.completion_tokens} completion tokens, ${dollars(u.estimated_cost_usd)}`,
    ),
    `estimated cost: ${dollars(job.estimated_cost_usd)}`,
  ];
  if (job.errors.length > 0) lines.push('errors:', ...job.errors.map((e) => `  step ${e.step}${e.source_id === null ? '' : ` (${e.source_id})`}: ${e.error}`));
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { job_id: jobId } = await call<TeachAccepted>('POST', `/v1/libraries/${values.library}/teach`, body);
  console.log(`job ${jobId} submitted; Ctrl-C cancels it`);
  process.once('SIGINT', () => {
    call('POST', `/v1/jobs/${jobId}/cancel`).then(
      () => console.error(`\njob ${jobId} cancelled`),
      (err: Error) => console.error(`\ncancelling failed: ${err.message}`),
    ).finally(() => process.exit(130));
  });

  // cli-progress redraws one line in place on a TTY, prints a line now and then when piped (a CI
  // log), and takes a new total when the teacher's generated scenarios add steps.
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} steps | {status} | {tokens} tokens | {cost}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5_000 },
    Presets.shades_classic,
  );
  let job = await call<JobView>('GET', `/v1/jobs/${jobId}`);
  bar.start(job.progress.total, job.progress.done, { status: job.status, tokens: 0, cost: dollars(job.estimated_cost_usd) });
  while (job.status === 'pending' || job.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, Number(values.interval)));
    job = await call<JobView>('GET', `/v1/jobs/${jobId}`);
    bar.setTotal(job.progress.total);
    bar.update(job.progress.done, { status: job.status, tokens: tokens(job), cost: dollars(job.estimated_cost_usd) });
  }
  bar.stop();
  console.log(summary(job));
  return job.status === 'done' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
