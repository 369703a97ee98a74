import { ARM_LABELS, type ArmName } from './arms.js';
import { METRICS, PAIRWISE_LABEL, PAIRWISE_METRIC, type MetricName, type Report } from './report.js';
import type { Estimate } from './stats.js';
import { differencesChart } from './differences-chart.js';
import { colourOf, document, fmt, line, round, text, ticks } from './svg.js';

const CHARTED: MetricName[] = ['resolution', 'policy_correctness', 'empathy', 'efficiency', 'satisfaction', 'violation_free'];
const COLUMNS = 3;

const PANEL = { width: 320, height: 250, top: 40, bottom: 30, left: 40, right: 12 };

function armPanel(title: string, [lo, hi]: [number, number], values: { arm: ArmName; estimate: Estimate }[], arms: ArmName[], x0: number, y0: number): string[] {
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const y = (v: number) => y0 + PANEL.top + plotH - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * plotH;
  const parts = [text(x0 + PANEL.width / 2, y0 + 22, title, 'text-anchor="middle" font-size="13" font-weight="bold"')];
  for (const t of ticks(lo, hi, 6)) {
    parts.push(line(x0 + PANEL.left, y(t), x0 + PANEL.left + plotW, y(t), 'stroke="#e5e5e5"'));
    parts.push(text(x0 + PANEL.left - 5, y(t) + 4, String(t), 'text-anchor="end" font-size="10" fill="#555"'));
  }
  const slot = plotW / Math.max(values.length, 1);
  values.forEach(({ arm, estimate }, i) => {
    const cx = x0 + PANEL.left + slot * (i + 0.5);
    const barW = Math.min(32, slot * 0.6);
    const top = y(estimate.mean);
    parts.push(
      `<rect x="${round(cx - barW / 2)}" y="${round(top)}" width="${round(barW)}" height="${round(y(lo) - top)}" fill="${colourOf(arm, arms)}"><title>${arm}: ${fmt(estimate.mean)} [${fmt(estimate.ci[0])}, ${fmt(estimate.ci[1])}], n=${estimate.n} in ${estimate.scenarios} scenarios</title></rect>`,
    );
    const [ciLo, ciHi] = [y(estimate.ci[0]), y(estimate.ci[1])];
    parts.push(line(cx, ciLo, cx, ciHi, 'stroke="#111" stroke-width="1.5"'));
    for (const end of [ciLo, ciHi]) parts.push(line(cx - 6, end, cx + 6, end, 'stroke="#111" stroke-width="1.5"'));
    parts.push(text(cx, y0 + PANEL.height - 12, arm, 'text-anchor="middle" font-size="10"'));
  });
  parts.push(line(x0 + PANEL.left, y(hi), x0 + PANEL.left, y(lo), 'stroke="#333"'));
  return parts;
}

function legend(arms: ArmName[], width: number): string[] {
  return arms.map((arm, i) => {
    const x = 20 + (i % 3) * ((width - 20) / 3);
    const y = 32 + Math.floor(i / 3) * 18;
    return `<rect x="${round(x)}" y="${y}" width="12" height="12" fill="${colourOf(arm, arms)}"/>${text(x + 17, y + 10, `${arm}: ${ARM_LABELS[arm]}`, 'font-size="12"')}`;
  });
}

/** Metrics by arm as bars with 95% CI whiskers, one panel per metric. */
export function renderChart(report: Report): string {
  const width = COLUMNS * PANEL.width;
  const legendH = 30 + Math.ceil(report.arms.length / 3) * 18;
  const rows = Math.ceil(CHARTED.length / COLUMNS);
  const height = legendH + rows * PANEL.height + 20;
  const body = CHARTED.flatMap((name, i) => {
    const values = report.arms.flatMap((arm) => {
      const estimate = report.metrics[name].arms[arm];
      return estimate === undefined ? [] : [{ arm, estimate }];
    });
    return armPanel(METRICS[name].label, METRICS[name].scale as [number, number], values, report.arms, (i % COLUMNS) * PANEL.width, legendH + Math.floor(i / COLUMNS) * PANEL.height);
  });
  return document(width, height, [
    text(20, 20, `Dialogue evaluation: mean by arm with 95% intervals (${report.units} scenario×seed units in ${report.scenarios} scenarios)`, 'font-size="15" font-weight="bold"'),
    ...legend(report.arms, width),
    ...body,
    text(20, height - 6, 'Whiskers: 95% percentile bootstrap, resampling scenarios with all their seeds. The test of a claim is the paired difference (differences.svg), not overlapping bars.', 'font-size="10" fill="#555"'),
  ]);
}

/** The paired differences that test the claim, one panel per tested metric and the pairwise preference. */
export function renderDifferencesChart(report: Report): string {
  return differencesChart({
    comparisons: report.comparisons,
    claims: report.claims,
    panels: [
      ...(Object.keys(METRICS) as MetricName[]).filter((name) => METRICS[name].better !== null).map((name) => ({ metric: name, label: METRICS[name].label })),
      { metric: PAIRWISE_METRIC, label: PAIRWISE_LABEL },
    ],
    cluster: 'scenarios',
    title: `Paired differences by scenario and seed (${report.scenarios} scenarios); arms named first minus second`,
    footnote: 'Thick: 95% interval (bootstrap resampling scenarios). Thin: Holm-adjusted within each comparison. Green: claim supported; red: not supported; grey: inconclusive or no claim. Violations: lower is better.',
  });
}
