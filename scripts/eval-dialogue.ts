/**
 * Dialogue evaluation: simulated customers play held-out scenarios against each arm (student alone,
 * student + the teacher's generic playbook, student + Coach retrieval, teacher alone, optionally a
 * fine-tuned student); an LLM judge scores every conversation and judges the claim comparisons
 * pair by pair. The coach arm is served by a running Coach (its compose route), as production serves it.
 *
 * Output (--out, default eval-runs/<library>): conversations.jsonl and pairwise.jsonl (appended as
 * work finishes; a rerun skips what is done), run.json, report.json, summary.md, chart.svg,
 * differences.svg; the generic playbook is cached in generic-playbooks/ beside the output directory.
 */
import { SingleBar, Presets } from 'cli-progress';
import { coachApiKey, runCommand, UsageError } from '../src/cli.js';
import { cliOptions, EVAL_DIALOGUE } from '../src/evaluation/cli-options.js';
import { PlaybookBudgetError } from '../src/evaluation/generic-playbook.js';
import { ProgressLines } from '../src/evaluation/progress-lines.js';
import { evaluate, type ProgressEvent } from '../src/evaluation/runner.js';
import { ModelNotConfiguredError } from '../src/errors.js';
import { SftNotConfiguredError } from '../src/evaluation/eval-models.js';
import { ScenarioFormatError } from '../src/evaluation/scenarios.js';
import { evaluationSetup } from '../src/evaluation/setup.js';

const controller = new AbortController();
process.once('SIGINT', () => {
  console.error('\ninterrupted: finished conversations are kept; rerun the same command to resume');
  controller.abort();
});

/** On a terminal, one bar per phase; failures are counted on the bar and printed in full beneath it. */
function progressBar(): { onProgress: (event: ProgressEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  let failed = 0;
  const onProgress = (event: ProgressEvent) => {
    if (event.type === 'start') {
      bar?.stop();
      failed = 0;
      bar = new SingleBar({ format: `${event.phase.padEnd(13)} [{bar}] {value}/{total} | ETA {eta_formatted} | failed {failed}`, etaBuffer: 20 }, Presets.shades_classic);
      bar.start(event.total, event.done, { failed });
      return;
    }
    if (event.failed !== undefined) {
      failed += 1;
      console.error(`\nfailed ${event.failed.key}: ${event.failed.error}`);
    }
    bar?.increment({ failed });
  };
  return { onProgress, stop: () => bar?.stop() };
}

/** Into a file or a pipe, a line every N conversations or comparisons, and every failure in full. */
function progressLines(every: number): { onProgress: (event: ProgressEvent) => void; stop: () => void } {
  const lines = new ProgressLines((line) => console.error(line), every);
  const onProgress = (event: ProgressEvent) => {
    if (event.type === 'start') return lines.start(event.phase, event.total, event.done);
    if (event.failed !== undefined) console.error(`failed ${event.failed.key}: ${event.failed.error}`);
    lines.tick(event.tokens, event.failed !== undefined);
  };
  return { onProgress, stop: () => {} };
}

await runCommand(EVAL_DIALOGUE, async (values) => {
  const cli = { ...cliOptions(values), key: coachApiKey(EVAL_DIALOGUE.name, values.key) };
  // Scenarios that do not parse and models that are not configured are the caller's to fix.
  const options = await evaluationSetup(cli, process.env, controller.signal).catch((err: unknown) => {
    const setupProblem = err instanceof ScenarioFormatError || err instanceof ModelNotConfiguredError || err instanceof SftNotConfiguredError;
    throw setupProblem ? new UsageError(err.message) : err;
  });
  const progress = process.stderr.isTTY ? progressBar() : progressLines(cli.progressEvery);
  // Once Coach and the library are reached, before the long part: a run that fails at once says only why.
  let warned = false;
  const onProgress = (event: ProgressEvent) => {
    if (!warned) for (const warning of options.warnings) console.error(`${EVAL_DIALOGUE.name}: WARNING: ${warning}`);
    warned = true;
    progress.onProgress(event);
  };
  const { failures, files } = await evaluate({ ...options, onProgress }).catch((err: unknown) => {
    throw err instanceof PlaybookBudgetError ? new UsageError(err.message) : err;
  });
  progress.stop();
  console.log(`\nreport: ${files.report}\nsummary: ${files.summary}\nchart: ${files.chart}\ndifferences: ${files.differences}`);
  if (failures.length === 0) return 0;
  console.error(`${failures.length} conversation(s) or comparison(s) failed; rerun to retry them`);
  return 1;
});
