import { useState } from 'preact/hooks';
import { api, libraryPath, query } from './api.js';
import { versionDiff } from './diff.js';
import { Diff } from './evidence.js';
import { ErrorNote, html, Loading, StatusBadge, useLoad, when } from './ui.js';

const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
const commas = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

function EditForm({ entry, onSave, onCancel }) {
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const f = e.currentTarget.elements;
    try {
      await onSave({
        scenario: f.scenario.value,
        guidance: f.guidance.value,
        examples: lines(f.examples.value),
        tags: commas(f.tags.value),
        policy_refs: lines(f.policy_refs.value),
        reason: f.reason.value || undefined,
        expected_version: entry.version,
      });
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="edit" onSubmit=${submit}>
    <label>Scenario <textarea name="scenario" rows="2" required defaultValue=${entry.scenario}></textarea></label>
    <label>Guidance <textarea name="guidance" rows="5" required defaultValue=${entry.guidance}></textarea></label>
    <label>Examples (one per line) <textarea name="examples" rows="3" defaultValue=${entry.examples.join('\n')}></textarea></label>
    <label>Tags (comma-separated) <input name="tags" defaultValue=${entry.tags.join(', ')} /></label>
    <label>Policy clauses (one per line) <textarea name="policy_refs" rows="2" defaultValue=${entry.policy_refs.join('\n')}></textarea></label>
    <label>Reason for the change <input name="reason" /></label>
    <div class="actions"><button type="submit">Save as a new version</button> <button type="button" onClick=${onCancel}>Cancel</button></div>
    <${ErrorNote} error=${error} />
  </form>`;
}

function History({ libraryId, entry, can, onRestored }) {
  const { loading, data, error } = useLoad(() => api(libraryPath(libraryId, `/guidance/${entry.id}/history`)), [libraryId, entry.id, entry.version]);
  const [compare, setCompare] = useState(null);
  const [restoreError, setRestoreError] = useState(null);
  if (loading) return html`<${Loading} what="history" />`;
  if (error) return html`<${ErrorNote} error=${error} />`;
  const versions = data.items;
  const [newer, older] = compare ?? [versions[0]?.version, versions[1]?.version];
  const a = versions.find((v) => v.version === older);
  const b = versions.find((v) => v.version === newer);
  const restore = async (version) => {
    try {
      await api(libraryPath(libraryId, `/guidance/${entry.id}/restore`), { method: 'POST', body: { version, reason: `restored version ${version} from the console` } });
      onRestored();
    } catch (err) {
      setRestoreError(err);
    }
  };
  const pick = (which) => (e) => setCompare(which === 'newer' ? [Number(e.currentTarget.value), older] : [newer, Number(e.currentTarget.value)]);
  const options = versions.map((v) => html`<option value=${v.version}>version ${v.version}</option>`);
  return html`<section aria-labelledby="history-title">
    <h3 id="history-title">History</h3>
    <table class="history"><thead><tr><th scope="col">Version</th><th scope="col">Change</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">When</th>${can.write ? html`<th scope="col"><span class="sr-only">Restore</span></th>` : null}</tr></thead>
      <tbody>${versions.map((v) => html`<tr><td>${v.version}</td><td>${v.change}</td><td><${StatusBadge} status=${v.status} /></td><td>${v.reason ?? ''}</td><td>${when(v.created_at)}</td>
        ${can.write ? html`<td>${v.version !== entry.version ? html`<button type="button" onClick=${() => restore(v.version)}>Restore version ${v.version}</button>` : 'current'}</td>` : null}</tr>`)}</tbody></table>
    <${ErrorNote} error=${restoreError} />
    ${versions.length > 1 ? html`<div class="compare">
      <label>Compare <select value=${older} onChange=${pick('older')}>${options}</select></label>
      <label>with <select value=${newer} onChange=${pick('newer')}>${options}</select></label>
      ${a && b ? versionDiff(a, b).map(({ field, parts }) => html`<h4>${field}</h4><${Diff} parts=${parts} />`) : null}
      ${a && b && versionDiff(a, b).length === 0 ? html`<p class="muted">No differences.</p>` : null}
    </div>` : null}
  </section>`;
}

export function EntryPage({ libraryId, entryId, can }) {
  const { loading, data: entry, error, reload } = useLoad(() => api(libraryPath(libraryId, `/guidance/${entryId}`)), [libraryId, entryId]);
  const [editing, setEditing] = useState(false);
  const [actionError, setActionError] = useState(null);
  if (loading && !entry) return html`<${Loading} what="the entry" />`;
  if (error) return html`<${ErrorNote} error=${error} />`;
  const save = async (patch) => {
    await api(libraryPath(libraryId, `/guidance/${entry.id}`), { method: 'PATCH', body: patch });
    setEditing(false);
    reload();
  };
  const retire = async (e) => {
    e.preventDefault();
    try {
      await api(libraryPath(libraryId, `/guidance/${entry.id}${query({ reason: e.currentTarget.elements.reason.value })}`), { method: 'DELETE' });
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  return html`<section aria-labelledby="entry-title" class="entry">
    <p><a href="#/library">← Library</a></p>
    <h2 id="entry-title">${entry.scenario}</h2>
    <p class="meta"><${StatusBadge} status=${entry.status} /> version ${entry.version} · ${entry.external_id ?? entry.id} · updated ${when(entry.updated_at)}</p>
    ${editing ? html`<${EditForm} entry=${entry} onSave=${save} onCancel=${() => setEditing(false)} />` : html`
      <h3>Guidance</h3><p class="guidance">${entry.guidance}</p>
      <h3>Examples</h3>${entry.examples.length ? html`<ul>${entry.examples.map((x) => html`<li>${x}</li>`)}</ul>` : html`<p class="muted">None.</p>`}
      ${entry.policy_refs.length ? html`<h3>Policy clauses</h3><ul class="clauses">${entry.policy_refs.map((c) => html`<li><q>${c}</q></li>`)}</ul>` : null}
      <p>Tags: ${entry.tags.join(', ') || '—'}${entry.applies_when.after_tools.length ? ` · after tools ${entry.applies_when.after_tools.join(', ')}` : ''}${entry.applies_when.before_tools.length ? ` · before tools ${entry.applies_when.before_tools.join(', ')}` : ''}</p>
      <details><summary>Provenance</summary><pre>${JSON.stringify(entry.provenance, null, 2)}</pre></details>
      ${can.write ? html`<div class="actions">
        <button type="button" onClick=${() => setEditing(true)}>Edit</button>
        ${entry.status !== 'retired' ? html`<form class="inline" onSubmit=${retire}><label>Reason <input name="reason" required /></label> <button type="submit" class="reject">Retire</button></form>` : null}
      </div>` : null}
      <${ErrorNote} error=${actionError} />`}
    <${History} libraryId=${libraryId} entry=${entry} can=${can} onRestored=${reload} />
  </section>`;
}
