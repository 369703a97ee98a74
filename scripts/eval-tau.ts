/**
 * τ-bench with its objective reward: the retail and airline environments (databases, tools as
 * upstream implements them), scored by whether the database ends up as the gold actions leave it
 * and the required outputs were said.
 *
 *   npm run eval:tau -- --domain retail --tasks ../shared/data/tau_bench/derived/tasks_retail_dev.json --agent gold --out runs/check
 *   npm run eval:tau -- --domain retail --tasks ../shared/data/tau_bench/derived/tasks_retail_dev.json \
 *     --arms student,generic,coach,teacher --library <id> --trials 4 --out runs/tau-retail
 *
 * The arms are compared in report.json, summary.md, differences.svg and pass-k.svg; a rerun into the
 * same --out plays only the trials not yet in its results.jsonl.
 *
 * Exit codes: 0 done (and, for the gold check, every task earned 1 without tool errors); 1 the
 * check failed, trials failed or Coach refused a request; 2 bad usage or unreadable data; 3 Coach
 * cannot be reached.
 */
import { CliError } from '../src/cli.js';
import { ConfigError } from '../src/config.js';
import { parseTauCli, TauUsageError, USAGE } from '../src/evaluation/tau/cli-options.js';
import { ProgressLines } from '../src/evaluation/progress-lines.js';
import { ManifestMismatchError } from '../src/evaluation/run-manifest.js';
import { evaluateArms, type TrialProgress } from '../src/evaluation/tau/arms-run.js';
import { checkGold } from '../src/evaluation/tau/commands.js';
import { TauDataError } from '../src/evaluation/tau/domain-data.js';

const controller = new AbortController();
process.once('SIGINT', () => {
  console.error('\ninterrupted: finished trials are in results.jsonl');
  controller.abort();
});

/**
 * On a terminal, a line per trial as it finishes; into a file or a pipe (long runs under CI or
 * nohup), a line every N trials with done, failed, ETA and tokens, and each failure in full.
 */
const warn = (warnings: string[]) => {
  for (const warning of warnings) console.error(`eval:tau: WARNING: ${warning}`);
};

function trialProgress(every: number): TrialProgress {
  if (process.stderr.isTTY) {
    return {
      start: (total, done, warnings) => {
        warn(warnings);
        console.error(`trials: ${total - done} to do of ${total}${done > 0 ? ` (${done} already done)` : ''}`);
      },
      result: (r) =>
        console.error(
          'reward' in r
            ? `${r.arm} task ${r.task_id} trial ${r.trial}: reward ${r.reward} (${r.ended}, ${r.steps} steps, ${r.tool_errors} tool errors)`
            : `${r.arm} task ${r.task_id} trial ${r.trial} failed: ${r.error}`,
        ),
    };
  }
  const lines = new ProgressLines((line) => console.error(line), every);
  return {
    start: (total, done, warnings) => {
      warn(warnings);
      lines.start('trials', total, done);
    },
    result: (r) => {
      if (!('reward' in r)) console.error(`${r.arm} task ${r.task_id} trial ${r.trial} failed: ${r.error}`);
      lines.tick('reward' in r ? r.usage.agent.total_tokens + r.usage.user.total_tokens : 0, !('reward' in r));
    },
  };
}

try {
  const options = parseTauCli(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
  } else {
    const outcome = options.agent === 'gold' ? await checkGold(options) : await evaluateArms(options, process.env, controller.signal, trialProgress(options.progressEvery));
    for (const problem of outcome.problems) console.error(problem);
    console.log(outcome.summary);
    console.log(Object.entries(outcome.files).map(([name, file]) => `${name}: ${file}`).join('\n'));
    if (outcome.problems.length > 0) process.exitCode = 1;
  }
} catch (err) {
  if (err instanceof CliError) {
    // Coach refused a request (its message is in the error) or cannot be reached.
    console.error(`eval:tau: ${err.message}`);
    process.exitCode = err.exitCode;
  } else {
    const usage = err instanceof TauUsageError || err instanceof TauDataError || err instanceof ConfigError || err instanceof ManifestMismatchError;
    console.error(usage ? (err as Error).message : `eval:tau failed: ${(err as Error).stack ?? err}`);
    process.exitCode = usage ? 2 : 1;
  }
}
