import { useEffect, useState } from 'preact/hooks';
import { api, libraryPath, query } from './api.js';
import { ErrorNote, html, Loading, short, useLoad, when } from './ui.js';

const RUNNING = ['pending', 'running'];
const POLL_MS = 2000;

/** Reloads while the job runs, so progress is live. */
function usePolling(load, deps, running) {
  const state = useLoad(load, deps);
  useEffect(() => {
    if (!running(state.data)) return undefined;
    const timer = setTimeout(state.reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [state.data]);
  return state;
}

const money = (x) => (x === null || x === undefined ? '—' : `$${x.toFixed(4)}`);

function JobView({ jobId, can }) {
  const { data: job, error, reload } = usePolling(() => api(`/v1/jobs/${encodeURIComponent(jobId)}`), [jobId], (j) => j && RUNNING.includes(j.status));
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!job) return html`<${Loading} what="the job" />`;
  const cancel = async () => {
    await api(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    reload();
  };
  return html`<article class="job" aria-labelledby="job-title">
    <h3 id="job-title">Teacher job ${short(job.id)} · ${job.kind} · ${job.status}</h3>
    <label>Progress <progress max=${job.progress.total || 1} value=${job.progress.done}>${job.progress.done}/${job.progress.total}</progress></label>
    <span> ${job.progress.done}/${job.progress.total} steps, ${job.progress.failed} failed</span>
    ${can.teach && RUNNING.includes(job.status) ? html` <button type="button" onClick=${cancel}>Cancel job</button>` : null}
    <table><caption>Models, usage and estimated cost</caption>
      <thead><tr><th scope="col">Role</th><th scope="col">Model</th><th scope="col">Calls</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
      <tbody>${Object.entries(job.usage).map(([role, u]) => html`<tr><td>${role}</td><td>${u.model}</td><td>${u.calls}</td><td>${u.total_tokens}</td><td>${money(u.estimated_cost_usd)}</td></tr>`)}
      <tr><th scope="row" colspan="4">Total</th><td>${money(job.estimated_cost_usd)}</td></tr></tbody></table>
    <p>Created ${job.produced_entry_ids.length} entries${job.merged_entry_ids.length ? `, revised ${job.merged_entry_ids.length}` : ''}:
      ${[...job.produced_entry_ids, ...job.merged_entry_ids].map((id) => html` <a href=${`#/library/${id}`}>${short(id)}</a>`)}</p>
    ${job.errors.length ? html`<h4>Errors</h4><ul>${job.errors.map((e) => html`<li>step ${e.step}${e.source_id ? ` (${e.source_id})` : ''}: ${e.error}</li>`)}</ul>` : null}
    <p class="muted">Started ${when(job.started_at)}, finished ${when(job.finished_at)}.</p>
  </article>`;
}

function Reembed({ libraryId }) {
  const { data, error } = usePolling(() => api(libraryPath(libraryId, '/reembed')).catch((err) => (err.status === 404 ? null : Promise.reject(err))), [libraryId],
    (j) => j && RUNNING.includes(j.status));
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!data) return html`<p class="muted">No re-embed job for this library.</p>`;
  return html`<p>Re-embed from ${data.source_embedder} to ${data.target_embedder}: ${data.status}
    <label class="sr-only" for="reembed-progress">Re-embed progress</label> <progress id="reembed-progress" max=${data.total || 1} value=${data.done}></progress> ${data.done}/${data.total} entries
    ${data.error ? html`<span class="error"> ${data.error}</span>` : null}</p>`;
}

function TraceView({ traceId }) {
  const { data: trace, error } = useLoad(() => api(`/v1/traces/${encodeURIComponent(traceId)}`), [traceId]);
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!trace) return html`<${Loading} what="the trace" />`;
  return html`<article class="trace" aria-labelledby=${`trace-${trace.id}`}>
    <h4 id=${`trace-${trace.id}`}>Turn ${short(trace.id)} · ${trace.endpoint} · ${trace.status} · ${when(trace.created_at)}</h4>
    <p>Model ${trace.model ?? '— (compose)'}; retrieval ${trace.retrieval.status} in ${trace.retrieval.latency_ms} ms${trace.usage ? `; ${trace.usage.total_tokens} tokens` : ''}</p>
    <p>Guidance that shaped it: ${trace.guidance.length ? trace.guidance.map((g) => html` <a href=${`#/library/${g.id}`}>${short(g.id)} v${g.version}</a> (${g.score.toFixed(2)})`) : 'none'}</p>
    ${trace.tools.calls.length ? html`<p>Tool calls: ${trace.tools.calls.map((c) => c.function.name).join(', ')}</p>` : null}
    ${trace.error ? html`<p class="error">${trace.error.code}: ${trace.error.message}</p>` : null}
  </article>`;
}

function Conversation({ conversationId }) {
  const { data, error } = useLoad(() => api(`/v1/traces${query({ conversation_id: conversationId })}`), [conversationId]);
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!data) return html`<${Loading} what="the conversation" />`;
  return data.items.length ? data.items.map((t) => html`<${TraceView} traceId=${t.id} />`) : html`<p class="empty">No turns for this conversation.</p>`;
}

function Lookup({ label, name, onGo }) {
  return html`<form class="inline" onSubmit=${(e) => { e.preventDefault(); onGo(e.currentTarget.elements[name].value.trim()); }}>
    <label>${label} <input name=${name} required /></label> <button type="submit">Show</button></form>`;
}

const RECENT_JOBS = 20;

/** The library's teacher jobs, newest first (GET /v1/jobs). */
function JobList({ libraryId }) {
  const { data, error } = useLoad(() => api(`/v1/jobs${query({ library_id: libraryId, limit: RECENT_JOBS })}`), [libraryId]);
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (!data) return html`<${Loading} what="the jobs" />`;
  if (data.items.length === 0) return html`<p class="empty">No teacher job for this library yet.</p>`;
  return html`<table class="jobs"><caption>Teacher jobs, newest ${data.items.length} of ${data.total}</caption>
    <thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Steps</th><th scope="col">Student model</th><th scope="col">Created</th></tr></thead>
    <tbody>${data.items.map((job) => html`<tr data-job-id=${job.id}><td><a href=${`#/jobs/${job.id}`}>${short(job.id)}</a></td><td>${job.kind}</td><td>${job.status}</td>
      <td>${job.progress.done}/${job.progress.total}${job.progress.failed ? `, ${job.progress.failed} failed` : ''}</td><td>${job.models.student}</td><td>${when(job.created_at)}</td></tr>`)}</tbody></table>`;
}

export function JobsPage({ libraryId, can, route }) {
  const [conversation, setConversation] = useState(null);
  const go = (hash) => (location.hash = hash);
  return html`<section aria-labelledby="jobs-title">
    <h2 id="jobs-title">Jobs and traces</h2>
    <h3>Teacher jobs</h3>
    <${Lookup} label="Job id" name="job" onGo=${(id) => go(`#/jobs/${id}`)} />
    ${can.teach ? html`<${JobList} libraryId=${libraryId} />` : null}
    ${route.job ? html`<${JobView} jobId=${route.job} can=${can} />` : null}
    <h3>Re-embedding</h3>
    <${Reembed} libraryId=${libraryId} />
    <h3>Traces</h3>
    <${Lookup} label="Conversation id" name="conversation" onGo=${setConversation} />
    ${route.trace ? html`<${TraceView} traceId=${route.trace} />` : null}
    ${conversation ? html`<${Conversation} conversationId=${conversation} />` : null}
  </section>`;
}
