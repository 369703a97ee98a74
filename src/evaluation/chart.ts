import { escapeText } from '../chat/composer.js';
import { ARM_LABELS, type ArmName } from './arms.js';
import { METRICS, type MetricName, type Report } from './report.js';
import type { Estimate } from './stats.js';

const COLOURS: Record<ArmName, string> = { student: '#7f7f7f', generic: '#e69f00', coach: '#0072b2', teacher: '#009e73', sft: '#cc79a7' };
const CHARTED: MetricName[] = ['resolution', 'policy_correctness', 'empathy', 'efficiency', 'satisfaction', 'violation_free'];

const PANEL = { width: 260, height: 250, top: 40, bottom: 30, left: 40, right: 12 };
const COLUMNS = 4;

interface Panel {
  title: string;
  scale: [number, number];
  values: { arm: ArmName; estimate: Estimate }[];
  /** A reference line, e.g. 0.5 for win rates. */
  reference?: number;
}

const round = (v: number) => Math.round(v * 10) / 10;

function ticks([lo, hi]: [number, number]): number[] {
  const step = hi - lo <= 1 ? 0.25 : 1;
  const result: number[] = [];
  for (let v = lo; v <= hi + 1e-9; v += step) result.push(Math.round(v * 100) / 100);
  return result;
}

function panel(p: Panel, x0: number, y0: number): string {
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const [lo, hi] = p.scale;
  const y = (v: number) => round(y0 + PANEL.top + plotH - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * plotH);
  const parts = [`<text x="${x0 + PANEL.width / 2}" y="${y0 + 22}" text-anchor="middle" font-size="13" font-weight="bold">${escapeText(p.title)}</text>`];
  for (const t of ticks(p.scale)) {
    parts.push(`<line x1="${x0 + PANEL.left}" x2="${x0 + PANEL.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 + PANEL.left - 5}" y="${y(t) + 4}" text-anchor="end" font-size="10" fill="#555">${t}</text>`);
  }
  if (p.reference !== undefined) {
    parts.push(`<line x1="${x0 + PANEL.left}" x2="${x0 + PANEL.left + plotW}" y1="${y(p.reference)}" y2="${y(p.reference)}" stroke="#333" stroke-dasharray="4 3"/>`);
  }
  const slot = plotW / Math.max(p.values.length, 1);
  p.values.forEach(({ arm, estimate }, i) => {
    const cx = x0 + PANEL.left + slot * (i + 0.5);
    const barW = Math.min(32, slot * 0.6);
    const top = y(estimate.mean);
    const base = y(lo);
    parts.push(`<rect x="${round(cx - barW / 2)}" y="${top}" width="${round(barW)}" height="${round(base - top)}" fill="${COLOURS[arm]}"><title>${arm}: ${estimate.mean.toFixed(2)} [${estimate.ci[0].toFixed(2)}, ${estimate.ci[1].toFixed(2)}], n=${estimate.n}</title></rect>`);
    const [ciLo, ciHi] = [y(estimate.ci[0]), y(estimate.ci[1])];
    parts.push(`<line x1="${round(cx)}" x2="${round(cx)}" y1="${ciLo}" y2="${ciHi}" stroke="#111" stroke-width="1.5"/>`);
    for (const end of [ciLo, ciHi]) parts.push(`<line x1="${round(cx - 6)}" x2="${round(cx + 6)}" y1="${end}" y2="${end}" stroke="#111" stroke-width="1.5"/>`);
    parts.push(`<text x="${round(cx)}" y="${y0 + PANEL.height - 12}" text-anchor="middle" font-size="10">${arm}</text>`);
  });
  parts.push(`<line x1="${x0 + PANEL.left}" x2="${x0 + PANEL.left}" y1="${y(hi)}" y2="${y(lo)}" stroke="#333"/>`);
  return parts.join('\n');
}

function panels(report: Report): Panel[] {
  const result: Panel[] = CHARTED.map((name) => ({
    title: METRICS[name].label,
    scale: METRICS[name].scale as [number, number],
    values: report.arms.flatMap((arm) => {
      const estimate = report.metrics[name].arms[arm];
      return estimate === undefined || estimate.n === 0 ? [] : [{ arm, estimate }];
    }),
  }));
  const wins = report.arms.flatMap((arm) => {
    const w = report.win_rates[arm];
    return w === undefined ? [] : [{ arm, estimate: { mean: w.win_rate, ci: w.ci, n: w.pairs } }];
  });
  if (wins.length > 0) result.push({ title: `Win rate vs ${report.baseline}`, scale: [0, 1], values: wins, reference: 0.5 });
  return result;
}

/** Metrics by arm as bars with 95% CI whiskers, one panel per metric; plain SVG for any browser. */
export function renderChart(report: Report): string {
  const all = panels(report);
  const rows = Math.ceil(all.length / COLUMNS);
  const width = COLUMNS * PANEL.width;
  const legendColumns = 3;
  const legendH = 30 + Math.ceil(report.arms.length / legendColumns) * 18;
  const height = legendH + rows * PANEL.height + 20;
  const legend = report.arms.map((arm, i) => {
    const x = 20 + (i % legendColumns) * ((width - 20) / legendColumns);
    const y = 32 + Math.floor(i / legendColumns) * 18;
    return `<rect x="${round(x)}" y="${y}" width="12" height="12" fill="${COLOURS[arm]}"/><text x="${round(x + 17)}" y="${y + 10}" font-size="12">${arm}: ${escapeText(ARM_LABELS[arm])}</text>`;
  });
  const body = all.map((p, i) => panel(p, (i % COLUMNS) * PANEL.width, legendH + Math.floor(i / COLUMNS) * PANEL.height));
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="20" y="20" font-size="15" font-weight="bold">Dialogue evaluation: mean by arm with 95% bootstrap intervals (${report.units} scenario×seed units)</text>`,
    ...legend,
    ...body,
    `<text x="20" y="${height - 6}" font-size="10" fill="#555">Whiskers: 95% percentile bootstrap, paired by scenario×seed. Dashed line: no preference.</text>`,
    '</svg>',
    '',
  ].join('\n');
}
