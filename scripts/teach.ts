/**
 * Runs a teacher job on a running Coach service from a file, shows its progress, and prints the
 * job's summary. Ctrl-C cancels the job.
 */
import { readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { coachApiKey, coachRequest, defineCommand, httpUrl, integerOption, runCommand, UsageError } from '../src/cli.js';
import type { TeachAccepted, TeacherJobView as JobView } from '../src/teacher/routes/teach-schemas.js';

const spec = defineCommand({
  name: 'teach',
  summary: 'Submits a teacher job to a running Coach, shows its progress and prints its summary; Ctrl-C cancels the job.',
  options: {
    library: { type: 'string', placeholder: 'ID', description: 'library to teach', required: true },
    file: { type: 'string', placeholder: 'FILE', description: 'JSON file: an array of scenarios or of transcripts, or a whole job body', required: true },
    url: { type: 'string', placeholder: 'URL', description: 'the Coach service (default COACH_URL, else http://127.0.0.1:8080)' },
    key: { type: 'string', placeholder: 'KEY', description: 'API key (admin or teacher); prefer COACH_API_KEY, since npm echoes the command line' },
    rounds: { type: 'string', placeholder: 'N', description: 'refinements after a failed re-test (job default 2)' },
    'max-turns': { type: 'string', placeholder: 'N', description: 'student replies per simulated conversation (job default 6)' },
    'auto-approve': { type: 'boolean', description: 'approve entries that pass re-test and policy check' },
    interval: { type: 'string', placeholder: 'MS', description: 'how often to poll the job', default: '1000' },
  },
  notes: [
    'The file holds a job body ({"kind": "scenarios", "scenarios": [...]} or "generate": {"count": N},',
    'or {"kind": "transcripts", "transcripts": [...]}), or just a JSON array of scenarios or of',
    'transcripts (items with "messages"). Environment: COACH_URL, COACH_API_KEY.',
  ].join('\n'),
  failure: 'the job failed or was cancelled, or Coach refused a request (its error message is printed)',
  unreachable: 'Coach cannot be reached',
});

const tokens = (job: JobView) => Object.values(job.usage).reduce((sum, u) => sum + u.prompt_tokens + u.completion_tokens, 0);
const dollars = (cost: number | null) => (cost === null ? 'n/a (model not in MODEL_PRICES)' : `$${cost.toFixed(4)}`);

function summary(job: JobView): string {
  const lines = [
    `job ${job.id}: ${job.status}`,
    `steps: ${job.progress.done}/${job.progress.total} finished, ${job.progress.failed} failed`,
    `entries created: ${job.produced_entry_ids.length}${job.produced_entry_ids.map((id) => `\n  ${id}`).join('')}`,
    `entries given a new version (near-duplicates): ${job.merged_entry_ids.length}${job.merged_entry_ids.map((id) => `\n  ${id}`).join('')}`,
    `approved entries given a pending revision: ${job.revised_entry_ids.length}${job.revised_entry_ids.map((id) => `\n  ${id}`).join('')}`,
    `judged by: ${job.judge.model}${job.judge.separate ? '' : ' (the teacher itself)'}`,
    ...job.report.curve.map((p) => `round ${p.round}: validation failure rate ${p.failure_rate} (n ${p.n}), ${p.accepted} accepted, ${p.rejected} rejected, ${p.tokens} tokens`),
    ...(job.report.stop_reason === null ? [] : [`stopped: ${job.report.stop_reason}`]),
    'usage:',
    ...Object.entries(job.usage).map(
      ([role, u]) => `  ${role.padEnd(8)} ${u.model}: ${u.calls} calls, ${u.prompt_tokens} prompt + ${u.completion_tokens} completion tokens, ${dollars(u.estimated_cost_usd)}`,
    ),
    `estimated cost: ${dollars(job.estimated_cost_usd)}`,
  ];
  if (job.errors.length > 0) lines.push('errors:', ...job.errors.map((e) => `  step ${e.step}${e.source_id === null ? '' : ` (${e.source_id})`}: ${e.error}`));
  if (job.failed_decisions.length > 0) lines.push('decisions that failed alone:', ...job.failed_decisions.map((f) => `  step ${f.step} ${f.key}: ${f.error}`));
  return lines.join('\n');
}

/** A job body from the file: a whole body, or a bare array whose items tell the kind. */
function jobBody(file: string): Record<string, unknown> {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new UsageError(`${file} is not valid JSON: ${err.message}`);
  }
  if (Array.isArray(content)) {
    const transcripts = content.length > 0 && content.every((item) => typeof item === 'object' && item !== null && 'messages' in item);
    return transcripts ? { kind: 'transcripts', transcripts: content } : { kind: 'scenarios', scenarios: content };
  }
  if (typeof content === 'object' && content !== null) return { ...(content as Record<string, unknown>) };
  throw new UsageError(`${file} must hold a JSON array or a job object`);
}

await runCommand(spec, async (values) => {
  const base = httpUrl(values.url === undefined ? 'COACH_URL' : '--url', values.url ?? process.env.COACH_URL ?? 'http://127.0.0.1:8080');
  const key = coachApiKey(spec.name, values.key);
  if (key === undefined) throw new UsageError('no API key: set COACH_API_KEY (or pass --key)');
  const interval = integerOption('interval', values.interval, 10, 3_600_000);
  const body = jobBody(values.file);
  const options = { ...(body.options as object | undefined) } as Record<string, unknown>;
  if (values.rounds !== undefined) options.rounds = integerOption('rounds', values.rounds, 0);
  if (values['max-turns'] !== undefined) options.max_turns = integerOption('max-turns', values['max-turns'], 1);
  if (values['auto-approve']) options.auto_approve = true;
  if (Object.keys(options).length > 0) body.options = options;
  const call = async <T>(method: string, route: string, payload?: unknown): Promise<T> =>
    JSON.parse(await coachRequest(base, method, route, { key, body: payload })) as T;

  const { job_id: jobId } = await call<TeachAccepted>('POST', `/v1/libraries/${encodeURIComponent(values.library)}/teach`, body);
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
    await new Promise((resolve) => setTimeout(resolve, interval));
    job = await call<JobView>('GET', `/v1/jobs/${jobId}`);
    bar.setTotal(job.progress.total);
    bar.update(job.progress.done, { status: job.status, tokens: tokens(job), cost: dollars(job.estimated_cost_usd) });
  }
  bar.stop();
  console.log(summary(job));
  return job.status === 'done' ? 0 : 1;
});
