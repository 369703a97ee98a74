import type { Claim, ComparisonResult, Difference } from './analysis.js';
import { document, fmt, line, round, text, ticks } from './svg.js';

const ROW = 24;
const FOREST = { width: 480, top: 40, bottom: 34, left: 120, right: 16 };

/** A symmetric scale around 0 that holds every interval shown. */
function extent(differences: Difference[]): number {
  const reach = Math.max(...differences.flatMap((d) => [d.ci[0], d.ci[1], ...(d.holm === null ? [] : d.holm.ci_holm)].map(Math.abs)), 1e-9);
  return ticks(0, reach * 1.05, 3).find((t) => t >= reach * 1.05) ?? reach * 1.1;
}

function verdictColour(claims: Claim[], comparison: ComparisonResult, metric: string): string {
  const claim = claims.find((c) => c.comparison === comparison.key && c.metric === metric);
  if (claim === undefined) return '#555';
  return claim.verdict === 'supported' ? '#1a7f37' : claim.verdict === 'not supported' ? '#cf222e' : '#555';
}

function forestPanel(chart: DifferencesChart, title: string, metric: string, x0: number, y0: number): { parts: string[]; height: number } {
  const rows = chart.comparisons.filter((c) => c.metrics[metric] !== undefined);
  const height = FOREST.top + rows.length * ROW + FOREST.bottom;
  const plotW = FOREST.width - FOREST.left - FOREST.right;
  const reach = extent(rows.map((c) => c.metrics[metric]!));
  const x = (v: number) => x0 + FOREST.left + ((Math.max(-reach, Math.min(reach, v)) + reach) / (2 * reach)) * plotW;
  const parts = [text(x0 + FOREST.width / 2, y0 + 22, title, 'text-anchor="middle" font-size="13" font-weight="bold"')];
  const bottom = y0 + FOREST.top + rows.length * ROW;
  for (const t of ticks(-reach, reach, 4)) {
    parts.push(line(x(t), y0 + FOREST.top - 4, x(t), bottom, t === 0 ? 'stroke="#333" stroke-dasharray="4 3"' : 'stroke="#e5e5e5"'));
    parts.push(text(x(t), bottom + 14, String(t), 'text-anchor="middle" font-size="10" fill="#555"'));
  }
  rows.forEach((comparison, i) => {
    const d = comparison.metrics[metric]!;
    const cy = y0 + FOREST.top + ROW * (i + 0.5);
    const colour = verdictColour(chart.claims, comparison, metric);
    parts.push(text(x0 + FOREST.left - 8, cy + 4, `${comparison.arm} − ${comparison.against}`, 'text-anchor="end" font-size="11"'));
    if (d.holm !== null) parts.push(line(x(d.holm.ci_holm[0]), cy, x(d.holm.ci_holm[1]), cy, `stroke="${colour}" stroke-width="1.5"`));
    parts.push(line(x(d.ci[0]), cy, x(d.ci[1]), cy, `stroke="${colour}" stroke-width="5" stroke-opacity="0.45"`));
    const adjusted = d.holm === null ? '' : `, Holm-adjusted [${fmt(d.holm.ci_holm[0])}, ${fmt(d.holm.ci_holm[1])}]`;
    parts.push(
      `<circle cx="${round(x(d.mean))}" cy="${round(cy)}" r="4" fill="${colour}"><title>${comparison.arm} − ${comparison.against}: ${fmt(d.mean)}, 95% [${fmt(d.ci[0])}, ${fmt(d.ci[1])}]${adjusted}, n=${d.n} in ${d.scenarios} ${chart.cluster}</title></circle>`,
    );
  });
  return { parts, height };
}

export interface DifferencesChart {
  comparisons: ComparisonResult[];
  claims: Claim[];
  panels: { metric: string; label: string }[];
  /** What the bootstrap resamples: scenarios, or τ-bench tasks. */
  cluster: string;
  title: string;
  footnote: string;
}

/**
 * Paired differences, one panel per metric (each on its own scale around 0), one row per
 * comparison: a thick bar for the raw 95% interval, a thin line for the Holm-adjusted one, coloured
 * by the claim's verdict (green supported, red not supported, grey inconclusive or not a claim).
 */
export function differencesChart(chart: DifferencesChart): string {
  const shown = chart.panels.filter(({ metric }) => chart.comparisons.some((c) => c.metrics[metric] !== undefined));
  const width = 2 * FOREST.width;
  const body: string[] = [];
  let y = 40;
  for (let i = 0; i < shown.length; i += 2) {
    const row = shown.slice(i, i + 2).map(({ label, metric }, j) => forestPanel(chart, label, metric, j * FOREST.width, y));
    for (const p of row) body.push(...p.parts);
    y += Math.max(...row.map((p) => p.height));
  }
  if (shown.length === 0) body.push(text(20, 60, 'No comparison could be made: each needs both of its arms.', 'font-size="12"'));
  const height = y + 30;
  return document(width, height, [text(20, 20, chart.title, 'font-size="15" font-weight="bold"'), ...body, text(20, height - 8, chart.footnote, 'font-size="10" fill="#555"')]);
}
