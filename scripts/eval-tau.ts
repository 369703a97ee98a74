/**
 * τ-bench with its objective reward: the retail and airline environments (databases, tools as
 * upstream implements them), scored by whether the database ends up as the gold actions leave it
 * and the required outputs were said.
 *
 *   npm run eval:tau -- --domain retail --tasks ../shared/data/tau_bench/derived/tasks_retail_dev.json --agent gold --out runs/check
 *   npm run eval:tau -- --domain airline --tasks ../shared/data/tau_bench/derived/tasks_airline_dev_even.json --agent model --trials 4
 *
 * Model runs name their arm (--arm, default student); every arm run into the same --out is compared
 * in its report.json, summary.md, differences.svg and pass-k.svg.
 *
 * Exit codes: 0 done (and, for the gold check, every task earned 1 without tool errors); 1 the
 * check failed or trials failed; 2 bad usage or unreadable data.
 */
import { ConfigError } from '../src/config.js';
import { parseTauCli, TauUsageError, USAGE } from '../src/evaluation/tau/cli-options.js';
import { ProgressLines } from '../src/evaluation/progress-lines.js';
import { checkGold, evaluateModel, type TrialProgress } from '../src/evaluation/tau/commands.js';
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
      start: (_total, warnings) => warn(warnings),
      result: (r) =>
        console.error('reward' in r ? `task ${r.task_id} trial ${r.trial}: reward ${r.reward} (${r.ended}, ${r.steps} steps, ${r.tool_errors} tool errors)` : `task ${r.task_id} trial ${r.trial} failed: ${r.error}`),
    };
  }
  const lines = new ProgressLines((line) => console.error(line), every);
  return {
    start: (total, warnings) => {
      warn(warnings);
      lines.start('trials', total, 0);
    },
    result: (r) => {
      if (!('reward' in r)) console.error(`task ${r.task_id} trial ${r.trial} failed: ${r.error}`);
      lines.tick('reward' in r ? r.usage.agent.total_tokens + r.usage.user.total_tokens : 0, !('reward' in r));
    },
  };
}

try {
  const options = parseTauCli(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
  } else {
    const outcome = options.agent === 'gold' ? await checkGold(options) : await evaluateModel(options, process.env, controller.signal, trialProgress(options.progressEvery));
    for (const problem of outcome.problems) console.error(problem);
    console.log(outcome.summary);
    console.log(Object.entries(outcome.files).map(([name, file]) => `${name}: ${file}`).join('\n'));
    if (outcome.problems.length > 0) process.exitCode = 1;
  }
} catch (err) {
  const usage = err instanceof TauUsageError || err instanceof TauDataError || err instanceof ConfigError;
  console.error(usage ? (err as Error).message : `eval:tau failed: ${(err as Error).stack ?? err}`);
  process.exitCode = usage ? 2 : 1;
}
