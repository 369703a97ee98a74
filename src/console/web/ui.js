import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** What a key may do, from its role: the screen offers only that (the API enforces it regardless). */
export function capabilities(role) {
  const writer = role === 'admin' || role === 'teacher';
  return { review: writer, write: writer, readEvidence: writer, teach: writer };
}

/** Runs `load` when its dependencies change; `reload` runs it again. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const run = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ loading: false, data, error: null }),
      (error) => live && setState({ loading: false, data: null, error }),
    );
    return () => (live = false);
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export const ErrorNote = ({ error }) => error ? html`<p class="error" role="alert">${error.message}</p>` : null;

export const Loading = ({ what }) => html`<p class="loading" aria-live="polite">Loading ${what}…</p>`;

export const short = (id) => (id ? String(id).slice(0, 8) : '');

export const entryLabel = (entry) => entry.external_id ?? short(entry.id ?? entry.entry_id);

export const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(0)} %`);

export const when = (ts) => (ts ? new Date(ts).toLocaleString() : '—');

export const StatusBadge = ({ status }) => html`<span class=${`badge status-${status}`}>${status}</span>`;

/** Server-side paging by cursor: the stack of cursors seen makes "previous" possible. */
export function useCursorPages() {
  const [stack, setStack] = useState([null]);
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor) => setStack((s) => [...s, nextCursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
  };
}

export const Pager = ({ pages, nextCursor }) => html`
  <nav class="pager" aria-label="Pages">
    <button type="button" onClick=${pages.previous} disabled=${pages.page === 1}>Previous page</button>
    <span>Page ${pages.page}</span>
    <button type="button" onClick=${() => pages.next(nextCursor)} disabled=${!nextCursor}>Next page</button>
  </nav>`;
