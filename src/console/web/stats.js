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
    <p class="muted">Causal uplift needs hold-out traffic; where the API reports it, it appears here with its interval.</p>
  </section>`;
}
