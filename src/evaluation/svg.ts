import { escapeText } from '../chat/composer.js';

/** Plain SVG pieces shared by the reports' charts, so every chart opens in any browser without scripts. */

export const ARM_COLOURS: Record<string, string> = { student: '#7f7f7f', generic: '#e69f00', coach: '#0072b2', teacher: '#009e73', sft: '#cc79a7' };
const EXTRA_COLOURS = ['#d55e00', '#56b4e9', '#f0e442', '#000000'];

/** An arm's colour; arms outside the five (a τ-bench run named otherwise) get the remaining palette in order. */
export function colourOf(arm: string, arms: string[]): string {
  return ARM_COLOURS[arm] ?? EXTRA_COLOURS[arms.filter((a) => ARM_COLOURS[a] === undefined).indexOf(arm) % EXTRA_COLOURS.length]!;
}

export const round = (v: number) => Math.round(v * 10) / 10;

export const text = (x: number, y: number, content: string, attrs = '') => `<text x="${round(x)}" y="${round(y)}"${attrs === '' ? '' : ` ${attrs}`}>${escapeText(content)}</text>`;

export const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) => `<line x1="${round(x1)}" x2="${round(x2)}" y1="${round(y1)}" y2="${round(y2)}" ${attrs}/>`;

/** Evenly spaced round values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const result: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) result.push(Math.round(v / step) * step);
  return result.map((v) => Number(v.toPrecision(12)));
}

export function document(width: number, height: number, body: string[]): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

export const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
