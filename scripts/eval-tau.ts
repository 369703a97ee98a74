/**
 * τ-bench with its objective reward: the retail and airline environments (databases, tools as
 * upstream implements them), scored by whether the database ends up as the gold actions leave it
 * and the required outputs were said.
 *
 *   npm run eval:tau -- --domain retail --tasks ../shared/data/tau_bench/derived/tasks_retail_dev.json --agent gold --out runs/check
 *   npm run eval:tau -- --domain airline --tasks ../shared/data/tau_bench/derived/tasks_airline_dev_even.json --agent model --trials 4
 *
 * Exit codes: 0 done (and, for the gold check, every task earned 1 without tool errors); 1 the
 * check failed or trials failed; 2 bad usage or unreadable data.
 */
import { ConfigError } from '../src/config.js';
import { parseTauCli, TauUsageError, USAGE } from '../src/evaluation/tau/cli-options.js';
import { checkGold, evaluateModel } from '../src/evaluation/tau/commands.js';
import { TauDataError } from '../src/evaluation/tau/domain-data.js';

const controller = new AbortController();
process.once('SIGINT', () => {
  console.error('\ninterrupted: finished trials are in results.jsonl');
  controller.abort();
});

try {
  const options = parseTauCli(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
  } else {
    const outcome =
      options.agent === 'gold'
        ? await checkGold(options)
        : await evaluateModel(options, process.env, controller.signal, (r) =>
            console.error('reward' in r ? `task ${r.task_id} trial ${r.trial}: reward ${r.reward} (${r.ended}, ${r.steps} steps, ${r.tool_errors} tool errors)` : `task ${r.task_id} trial ${r.trial} failed: ${r.error}`),
          );
    for (const problem of outcome.problems) console.error(problem);
    console.log(outcome.summary);
    console.log(`results: ${outcome.files.results}\nsummary: ${outcome.files.summary}`);
    if (outcome.problems.length > 0) process.exitCode = 1;
  }
} catch (err) {
  const usage = err instanceof TauUsageError || err instanceof TauDataError || err instanceof ConfigError;
  console.error(usage ? (err as Error).message : `eval:tau failed: ${(err as Error).stack ?? err}`);
  process.exitCode = usage ? 2 : 1;
}
