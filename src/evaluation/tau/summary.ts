import { ARM_LABELS } from '../arms.js';
import { claimsTable, comparisonTable, shareTable, usd, withCi } from '../summary.js';
import { fmt } from '../svg.js';
import { TAU_METRICS, type TauMetric, type TauReport } from './report.js';

const label = (metric: string) => TAU_METRICS[metric as TauMetric]?.label ?? metric;

/** eval:tau's report as a person reads it: the claims, then per-arm rewards, pass^k, differences, cost. */
export function renderTauSummary(report: TauReport): string {
  const lines = ['# τ-bench evaluation', ''];
  for (const warning of report.warnings) lines.push(`> **WARNING:** ${warning}.`, '');
  const kMax = Math.max(0, ...report.arms.map((arm) => report.pass_hat_k[arm]?.length ?? 0));
  lines.push(
    `Generated ${report.generated_at}. ${report.trials} trial(s) of ${report.tasks} task(s); arms: ${report.arms.join(', ')}. The reward is τ-bench's own: 1 when the database ends as the gold actions leave it and every required output was said.`,
    `Intervals are 95% percentile bootstrap intervals (${report.bootstrap.iterations} resamples, seed ${report.bootstrap.seed}) that resample tasks, each with all its trials. Differences are paired by task and trial (the trial index seeds the agent and the user alike).`,
    `Multiple comparisons: ${report.bootstrap.adjustment}.`,
    '',
    '## Claims',
    '',
    "Coach against each rival. **Supported** when the Holm-adjusted interval of coach − rival excludes 0 in coach's favour, **not supported** when it excludes 0 against coach, inconclusive otherwise.",
    '',
    ...claimsTable(report.claims, label, 'tasks'),
    '## By arm (mean [95% CI])',
    '',
    `| arm | ${Object.values(TAU_METRICS).map((m) => m.label).join(' | ')} | ${Array.from({ length: kMax }, (_, i) => `pass^${i + 1}`).join(' | ')} |`,
    `|---|${Object.keys(TAU_METRICS).map(() => '---').join('|')}|${Array.from({ length: kMax }, () => '---').join('|')}|`,
    ...report.arms.map((arm) => {
      const metrics = (Object.keys(TAU_METRICS) as TauMetric[]).map((m) => withCi(report.metrics[m].arms[arm]));
      const pass = Array.from({ length: kMax }, (_, i) => withCi(report.pass_hat_k[arm]?.[i]?.estimate, 3));
      return `| ${arm} (${ARM_LABELS[arm]}) | ${[...metrics, ...pass].join(' | ')} |`;
    }),
    '',
    'pass^k: the chance that k trials of a task all earn 1 (C(c, k) / C(n, k) per task, averaged over tasks); pass-k.svg charts it.',
    '',
    '## Paired differences',
    '',
    ...(report.comparisons.length === 0
      ? ['No comparison yet: each needs both of its arms. Rerun eval:tau into the same --out with both in --arms: only the missing trials are played.', '']
      : report.comparisons.flatMap((c) => comparisonTable(c, label, 'tasks'))),
    "## Share of the teacher's advantage that coach recovers",
    '',
    '(coach − student) / (teacher − student), with its 95% interval from the same draws; undefined when the interval of teacher − student covers 0.',
    '',
    ...shareTable(report.recovered_share, label),
    '## Cost',
    '',
    'Agent tokens and cost per trial from MODEL_PRICES ("no price" when the model is not listed); a trial is resolved when it earns reward 1.',
    '',
    '| arm | agent model | trials | prompt + completion tokens | cost per trial | resolved | cost per resolved task | user tokens |',
    '|---|---|---|---|---|---|---|---|',
    ...report.arms.flatMap((arm) => {
      const c = report.cost.arms[arm];
      if (c === undefined) return [];
      const perResolved = c.resolved === 0 ? 'none resolved' : usd(c.cost_usd_per_resolved);
      return [
        `| ${arm} | ${c.agent_model} | ${c.conversations} | ${fmt(c.prompt_tokens_per_conversation, 0)} + ${fmt(c.completion_tokens_per_conversation, 0)} | ${usd(c.cost_usd_per_conversation)} | ${c.resolved} | ${perResolved} | ${fmt(c.user_tokens_per_trial, 0)} |`,
      ];
    }),
    '',
  );
  const build = report.cost.library_build;
  lines.push('unavailable' in build ? `Building the library: unknown: ${build.unavailable}.` : `Building the library: ${build.jobs.length} teacher job(s), ${build.tokens} tokens (${build.teacher_tokens} the teacher's), ${usd(build.cost_usd)}.`, '');
  const b = report.cost.break_even;
  lines.push(b.conversations === null ? `Break-even: not computed: ${b.reason}.` : `Break-even: after **${b.conversations} conversations** serving coach costs less than serving the teacher.`, '');
  return lines.join('\n');
}
