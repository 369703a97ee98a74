import { ARM_LABELS, type ArmName } from './arms.js';
import { METRICS, type MetricName, type Report } from './report.js';
import type { Estimate } from './stats.js';

const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '–' : value.toFixed(digits));
const withCi = (e: Estimate | undefined, digits = 2) => (e === undefined || e.n === 0 ? '–' : `${fixed(e.mean, digits)} [${fixed(e.ci[0], digits)}, ${fixed(e.ci[1], digits)}]`);
const signed = (e: Estimate | undefined) =>
  e === undefined || e.n === 0 ? '–' : `${e.mean >= 0 ? '+' : ''}${fixed(e.mean, 2)} [${fixed(e.ci[0], 2)}, ${fixed(e.ci[1], 2)}]`;
const usd = (value: number | null) => (value === null ? 'no price' : `$${value.toFixed(5)}`);

function metricTable(report: Report, names: MetricName[], cell: (name: MetricName, arm: ArmName) => string): string[] {
  const header = `| arm | ${names.map((n) => METRICS[n].label).join(' | ')} |`;
  const rule = `|---|${names.map(() => '---').join('|')}|`;
  return [header, rule, ...report.arms.map((arm) => `| ${arm} (${ARM_LABELS[arm]}) | ${names.map((n) => cell(n, arm)).join(' | ')} |`)];
}

/** The report as a person reads it: tables with intervals, and what they mean. */
export function renderSummary(report: Report): string {
  const names = Object.keys(METRICS) as MetricName[];
  const compared = report.arms.filter((a) => a !== report.baseline);
  const lines = [
    '# Dialogue evaluation',
    '',
    `Generated ${report.generated_at}. ${report.units} scenario×seed unit(s); arms: ${report.arms.join(', ')}.`,
    `Intervals are 95% percentile bootstrap intervals (${report.bootstrap.iterations} resamples, seed ${report.bootstrap.seed}), resampling whole scenario×seed units so arms are compared on the same draws.`,
    '',
    '## Scores by arm (mean [95% CI])',
    '',
    ...metricTable(report, names, (n, arm) => withCi(report.metrics[n].arms[arm])),
    '',
  ];
  if (report.arms.includes(report.baseline) && compared.length > 0) {
    lines.push(
      `## Difference from ${report.baseline} (paired; an interval excluding 0 is a difference the data supports)`,
      '',
      ...metricTable(
        { ...report, arms: compared },
        names,
        (n, arm) => signed(report.metrics[n].vs_baseline[arm]),
      ),
      '',
    );
  }
  const wins = compared.filter((arm) => report.win_rates[arm] !== undefined);
  if (wins.length > 0) {
    lines.push(
      `## Pairwise win rate against ${report.baseline}`,
      '',
      'Each pair was judged twice with the conversations in swapped positions; a tie counts half. 0.5 means no preference. Position consistency is the share of pairs where both orders agreed: a low value means the judge mostly followed position, not quality.',
      '',
      '| arm | win rate [95% CI] | wins / ties / losses (judgements) | pairs | position consistency |',
      '|---|---|---|---|---|',
      ...wins.map((arm) => {
        const w = report.win_rates[arm]!;
        return `| ${arm} | ${fixed(w.win_rate, 2)} [${fixed(w.ci[0], 2)}, ${fixed(w.ci[1], 2)}] | ${w.wins} / ${w.ties} / ${w.losses} | ${w.pairs} | ${fixed(w.position_consistency, 2)} |`;
      }),
      '',
    );
  }
  lines.push(
    '## Tokens and cost per conversation',
    '',
    '| arm | agent model | conversations | agent tokens | agent cost (MODEL_PRICES) | customer + judge tokens |',
    '|---|---|---|---|---|---|',
    ...report.arms.flatMap((arm) => {
      const c = report.cost[arm];
      return c === undefined ? [] : [`| ${arm} | ${c.agent_model} | ${c.conversations} | ${fixed(c.agent_tokens_per_conversation, 0)} | ${usd(c.agent_cost_usd_per_conversation)} | ${fixed(c.evaluation_tokens_per_conversation, 0)} |`];
    }),
    '',
  );
  return lines.join('\n');
}
