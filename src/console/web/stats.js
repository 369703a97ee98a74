import { useState } from 'preact/hooks';
import { api, libraryPath } from './api.js';
import { entryLabel, ErrorNote, html, Loading, pct, useLoad } from './ui.js';

const TOP = 15;
const BAR_W = 360;
const ROW_H = 22;
const LABEL_CHARS = 24;

const clip = (text) => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text);

/** Horizontal bars as SVG with a text table beside for screen readers (the chart is aria-hidden). */
function BarChart({ title, rows, format = String }) {
  const max = Math.max(1, ...rows.map((r) => r.value ?? 0));
  const height = rows.length * ROW_H + 4;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg width=${BAR_W + 360} height=${height} aria-hidden="true" focusable="false">
      ${rows.map((r, i) => html`<g transform=${`translate(0, ${i * ROW_H})`}>
        <text x="0" y="15" class="label"><title>${r.label}</title>${clip(r.label)}</text>
        <rect x="170" y="3" width=${((r.value ?? 0) / max) * BAR_W} height="14" class=${r.className ?? 'bar'} />
        <text x=${176 + ((r.value ?? 0) / max) * BAR_W} y="15" class="value">${r.value === null ? '—' : format(r.value)}${r.note ? ` ${r.note}` : ''}</text>
      </g>`)}
    </svg>
    <table class="sr-only"><caption>${title}</caption><tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td>${r.value === null ? 'none' : format(r.value)} ${r.note ?? ''}</td></tr>`)}</tbody></table>
  </figure>`;
}

const signed = (x) => (x === null || x === undefined ? '—' : `${x > 0 ? '+' : ''}${pct(x)}`);

/** Shown − withheld with its 95 % interval and the conversations behind each arm. */
const UpliftCell = ({ uplift }) => html`<td>${signed(uplift.uplift)}${uplift.ci95 ? ` [${signed(uplift.ci95[0])}, ${signed(uplift.ci95[1])}]` : ''}
  (${pct(uplift.shown)} of ${uplift.n_shown} shown, ${pct(uplift.withheld)} of ${uplift.n_withheld} withheld)</td>`;

/** The hold-out's randomised comparison, for entries where both arms have an outcome. */
function CausalTable({ items }) {
  const measured = items.filter((s) => s.causal && (s.causal.resolution_rate.uplift !== null || s.causal.policy_violation_rate.uplift !== null));
  if (measured.length === 0) return html`<p class="muted">Causal uplift needs hold-out traffic (the library's <code>holdout_rate</code>); no entry has conversations with feedback in both arms yet.</p>`;
  return html`<table class="causal"><caption>Causal uplift from the hold-out: shown − withheld (95 % interval, n conversations with that outcome)</caption>
    <thead><tr><th scope="col">Entry</th><th scope="col">Resolution rate</th><th scope="col">Policy violation rate</th></tr></thead>
    <tbody>${measured.map((s) => html`<tr><th scope="row">${entryLabel(s)}</th><${UpliftCell} uplift=${s.causal.resolution_rate} /><${UpliftCell} uplift=${s.causal.policy_violation_rate} /></tr>`)}</tbody></table>`;
}

export function StatsPage({ libraryId }) {
  const { loading, data, error } = useLoad(() => api(libraryPath(libraryId, '/guidance/stats')), [libraryId]);
  const [sort, setSort] = useState('exposures');
  if (loading) return html`<${Loading} what="stats" />`;
  if (error) return html`<${ErrorNote} error=${error} />`;
  const items = [...data.items].sort((a, b) => (b[sort] ?? 0) - (a[sort] ?? 0)).slice(0, TOP);
  const totals = data.items.reduce((t, s) => ({ exposures: t.exposures + s.exposures, conversations: t.conversations + s.conversations }), { exposures: 0, conversations: 0 });
  const outcomeRows = items.flatMap((s) => [
    { label: entryLabel(s), value: s.when_used.resolution_rate, note: `used (n = ${s.when_used.conversations})`, className: 'bar used' },
    { label: entryLabel(s), value: s.when_not_used.resolution_rate, note: `not used (n = ${s.when_not_used.conversations})`, className: 'bar unused' },
  ]);
  return html`<section aria-labelledby="stats-title">
    <h2 id="stats-title">Stats</h2>
    <p>${data.items.length} entries · ${totals.exposures} exposures · ${data.conversations_with_feedback} conversations with feedback.</p>
    <label>Sort by <select value=${sort} onChange=${(e) => setSort(e.currentTarget.value)}>
      <option value="exposures">exposures</option><option value="conversations">conversations</option></select></label>
    ${items.length === 0 ? html`<p class="empty">No entries yet.</p>` : html`
      <${BarChart} title=${`Exposures, top ${items.length}`} rows=${items.map((s) => ({ label: entryLabel(s), value: s.exposures }))} />
      <${BarChart} title="Resolution rate when used and when not used (correlational; n conversations with feedback)" rows=${outcomeRows} format=${pct} />`}
    <${CausalTable} items=${data.items} />
  </section>`;
}
