import { useState } from 'preact/hooks';
import { api, libraryPath, query } from './api.js';
import { ErrorNote, html, Loading, Pager, StatusBadge, useCursorPages, useLoad, when } from './ui.js';

const PAGE_SIZE = 25;

function Filters({ filters, onChange }) {
  const [draft, setDraft] = useState(filters);
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.currentTarget.value });
  return html`<form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); onChange(draft); }}>
    <label>Text <input type="search" name="q" value=${draft.q} onInput=${set('q')} /></label>
    <label>Status <select name="status" value=${draft.status} onChange=${set('status')}>
      <option value="">any</option><option value="draft">draft</option><option value="approved">approved</option><option value="retired">retired</option>
    </select></label>
    <label>Tags (all of, comma-separated) <input name="tags" value=${draft.tags} onInput=${set('tags')} /></label>
    <button type="submit">Search</button>
  </form>`;
}

function ImportExport({ libraryId, filters, onImported }) {
  const [message, setMessage] = useState('');
  const [error, setError] = useState(null);
  const importFile = async (e) => {
    e.preventDefault();
    const file = e.currentTarget.elements.file.files[0];
    if (!file) return setError(new Error('choose a JSONL file first'));
    setError(null);
    try {
      const result = await api(libraryPath(libraryId, '/guidance/import'), { method: 'POST', body: await file.text(), contentType: 'application/x-ndjson' });
      setMessage(`Imported ${file.name}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged.`);
      onImported();
    } catch (err) {
      setError(err);
    }
  };
  const exportFile = async () => {
    setError(null);
    try {
      const res = await api(libraryPath(libraryId, `/guidance/export${query(filters)}`), { raw: true });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await res.blob());
      link.download = `guidance-${libraryId}.jsonl`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      setMessage('Exported the entries matching the filters.');
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="import-export">
    <form onSubmit=${importFile}><label>Import JSONL <input type="file" name="file" accept=".jsonl,.ndjson,application/x-ndjson" /></label> <button type="submit">Import</button></form>
    <button type="button" onClick=${exportFile}>Export JSONL</button>
    <p aria-live="polite">${message}</p><${ErrorNote} error=${error} />
  </div>`;
}

export function LibraryPage({ libraryId, can }) {
  const [filters, setFilters] = useState({ q: '', status: '', tags: '' });
  const pages = useCursorPages();
  const { loading, data, error, reload } = useLoad(
    () => api(libraryPath(libraryId, `/guidance${query({ ...filters, limit: PAGE_SIZE, cursor: pages.cursor })}`)),
    [libraryId, filters, pages.cursor],
  );
  return html`<section aria-labelledby="library-title">
    <h2 id="library-title">Library</h2>
    <${Filters} filters=${filters} onChange=${(f) => { setFilters(f); pages.reset(); }} />
    ${can.write ? html`<${ImportExport} libraryId=${libraryId} filters=${filters} onImported=${reload} />` : null}
    <${ErrorNote} error=${error} />
    ${loading ? html`<${Loading} what="entries" />` : null}
    ${data ? html`<table class="entries">
      <caption>Entries ${pages.page > 1 ? `(page ${pages.page})` : ''}</caption>
      <thead><tr><th scope="col">Scenario</th><th scope="col">Status</th><th scope="col">Tags</th><th scope="col">Version</th><th scope="col">Updated</th></tr></thead>
      <tbody>${data.items.map((entry) => html`<tr>
        <td><a href=${`#/library/${entry.id}`}>${entry.scenario}</a></td><td><${StatusBadge} status=${entry.status} /></td>
        <td>${entry.tags.join(', ')}</td><td>${entry.version}</td><td>${when(entry.updated_at)}</td></tr>`)}</tbody>
    </table>
    ${data.items.length === 0 ? html`<p class="empty">No entries match.</p>` : null}
    <${Pager} pages=${pages} nextCursor=${data.next_cursor} />` : null}
  </section>`;
}
