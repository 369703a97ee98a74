import { useState } from 'preact/hooks';
import { api, libraryPath } from './api.js';
import { ErrorNote, html, StatusBadge } from './ui.js';

const ROLES = [
  ['user', 'Customer'],
  ['assistant', 'Agent'],
  ['tool', 'Tool result'],
];

/**
 * Turns as an operator thinks of them; a tool result becomes the agent's call and the tool's answer,
 * the shape the API (and OpenAI) expect.
 */
export function toMessages(turns) {
  const messages = [];
  turns.forEach((turn, i) => {
    if (!turn.content.trim() && turn.role !== 'tool') return;
    if (turn.role !== 'tool') return messages.push({ role: turn.role, content: turn.content });
    const id = `call_${i + 1}`;
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: turn.tool || 'tool', arguments: '{}' } }] });
    messages.push({ role: 'tool', tool_call_id: id, content: turn.content });
  });
  return messages;
}

function Turn({ turn, index, onChange, onRemove }) {
  const id = `turn-${index}`;
  return html`<fieldset class="turn-input">
    <legend>Turn ${index + 1}</legend>
    <label for=${`${id}-role`}>Speaker</label>
    <select id=${`${id}-role`} value=${turn.role} onChange=${(e) => onChange({ ...turn, role: e.currentTarget.value })}>
      ${ROLES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
    </select>
    ${turn.role === 'tool' ? html`<label for=${`${id}-tool`}>Tool name</label><input id=${`${id}-tool`} value=${turn.tool ?? ''} pattern="[A-Za-z0-9_-]{1,64}" onInput=${(e) => onChange({ ...turn, tool: e.currentTarget.value })} />` : null}
    <label for=${`${id}-content`}>${turn.role === 'tool' ? 'Result' : 'Message'}</label>
    <textarea id=${`${id}-content`} rows="2" value=${turn.content} onInput=${(e) => onChange({ ...turn, content: e.currentTarget.value })}></textarea>
    <button type="button" class="link" onClick=${onRemove}>Remove turn ${index + 1}</button>
  </fieldset>`;
}

const Explanation = ({ x }) => html`<dl class="explanation">
  <div><dt>Vector</dt><dd>${x.vector_score.toFixed(3)} × ${x.vector_weight} (best ${x.best_chunk ?? '—'} ${x.best_similarity.toFixed(3)}, ${x.matched_chunks} chunks)</dd></div>
  <div><dt>Text</dt><dd>${x.text_rank_normalised.toFixed(3)} × ${x.text_weight} (rank ${x.text_rank.toFixed(2)})</dd></div>
  <div><dt>Tool state</dt><dd>+${x.tool_state.bonus}${x.tool_state.after_tools_met ? ' (after-tools met)' : ''}</dd></div>
</dl>`;

export function PlaygroundPage({ libraryId }) {
  const [turns, setTurns] = useState([{ role: 'user', content: '' }]);
  const [k, setK] = useState(5);
  const [drafts, setDrafts] = useState(false);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const update = (i) => (turn) => setTurns(turns.map((t, j) => (j === i ? turn : t)));
  const run = async (e) => {
    e.preventDefault();
    const messages = toMessages(turns);
    if (messages.length === 0) return setError(new Error('write at least one turn'));
    setBusy(true);
    setError(null);
    try {
      const [retrieved, composed] = await Promise.all([
        api(libraryPath(libraryId, '/retrieve'), { method: 'POST', body: { messages, k, include_drafts: drafts } }),
        api(libraryPath(libraryId, '/compose'), { method: 'POST', body: { messages, k } }),
      ]);
      setResult({ retrieved, composed });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="playground-title">
    <h2 id="playground-title">Retrieval playground</h2>
    <form onSubmit=${run} class="playground">
      ${turns.map((turn, i) => html`<${Turn} turn=${turn} index=${i} onChange=${update(i)} onRemove=${() => setTurns(turns.filter((_, j) => j !== i))} />`)}
      <div class="actions">
        <button type="button" onClick=${() => setTurns([...turns, { role: turns.at(-1)?.role === 'user' ? 'assistant' : 'user', content: '' }])}>Add turn</button>
        <label>Entries (k) <input type="number" min="1" max="50" value=${k} onInput=${(e) => setK(Number(e.currentTarget.value) || 5)} /></label>
        <label><input type="checkbox" checked=${drafts} onChange=${(e) => setDrafts(e.currentTarget.checked)} /> Include drafts</label>
        <button type="submit" class="primary" disabled=${busy}>Retrieve</button>
      </div>
    </form>
    <${ErrorNote} error=${error} />
    ${result ? html`<div class="results" aria-live="polite">
      <h3>Ranked guidance</h3>
      ${result.retrieved.results.length === 0 ? html`<p class="empty">No guidance fits this conversation.</p>` : null}
      <ol class="ranked">${result.retrieved.results.map((r) => html`<li class="result" data-entry-id=${r.id}>
        <h4><a href=${`#/library/${r.id}`}>${r.scenario}</a> <span class="score">score ${r.score.toFixed(3)}</span> <${StatusBadge} status=${r.status} /></h4>
        <p>${r.guidance}</p>
        <${Explanation} x=${r.explanation} />
      </li>`)}</ol>
      <p class="muted">Query as weighted: <q>${result.retrieved.query}</q>${result.retrieved.tools_run.length ? ` · tools run: ${result.retrieved.tools_run.join(', ')}` : ''}</p>
      <h3>The prompt the student would get</h3>
      <p class="muted">${result.composed.guidance.length} entries in the prompt (${result.composed.guidance_tokens} tokens)${result.composed.dropped_guidance.length ? `, ${result.composed.dropped_guidance.length} dropped for the token budget` : ''}; trace <a href=${`#/jobs/trace/${result.composed.trace_id}`}>${result.composed.trace_id.slice(0, 8)}</a>.</p>
      ${result.composed.messages.map((m) => html`<details open=${m.role === 'system'}><summary>${m.role}</summary><pre class="prompt">${m.content ?? JSON.stringify(m.tool_calls)}</pre></details>`)}
    </div>` : null}
  </section>`;
}
