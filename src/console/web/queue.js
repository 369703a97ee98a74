import { useEffect, useRef, useState } from 'preact/hooks';
import { EvidenceRecord, Lift, RevisionDiff } from './evidence.js';
import { loadQueuePage, review } from './queue-source.js';
import { ErrorNote, html, Loading, Pager, StatusBadge, useCursorPages, useLoad } from './ui.js';

const KIND_LABEL = { draft: 'Draft', needs_review: 'Flagged by a policy change', pending_revision: 'Pending revision' };
const DECISION_LABEL = {
  needs_review: { approve: 'Keep as it is', reject: 'Retire' },
  pending_revision: { approve: 'Approve the revision', reject: 'Reject the revision' },
};

/** An entry can wait once per kind (a draft flagged by a policy change, say). */
const itemKey = (item) => `${item.kind}:${item.entry.id}`;

const typing = (target) => ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);

function QueueItem({ item, selected, can, reason, error, onReason, onSelect, decide, reasonRef }) {
  const { entry } = item;
  const id = `q-${itemKey(item)}`;
  return html`<article tabindex="-1" class=${`queue-item${selected ? ' selected' : ''}`} aria-labelledby=${`${id}-title`} aria-current=${selected ? 'true' : undefined}
      data-entry-id=${entry.id} data-kind=${item.kind} data-key=${itemKey(item)} onClick=${onSelect} onFocusCapture=${onSelect}>
    <header>
      <h3 id=${`${id}-title`}><a href=${`#/library/${entry.id}`}>${entry.scenario}</a></h3>
      <p class="meta">${item.kind !== 'draft' ? html`<span class="badge kind">${KIND_LABEL[item.kind] ?? item.kind}</span> ` : null}<${StatusBadge} status=${entry.status} /> version ${entry.version}
        ${entry.tags?.length ? html` · tags ${entry.tags.join(', ')}` : null}</p>
    </header>
    <h4>Guidance</h4>
    <p class="guidance">${entry.guidance}</p>
    ${entry.policy_refs.length ? html`<h4>Policy clauses quoted</h4><ul class="clauses">${entry.policy_refs.map((c) => html`<li><q>${c}</q></li>`)}</ul>` : null}
    ${item.policyFlags.length ? html`<h4>Policy changed under this entry</h4><ul class="flags">${item.policyFlags.map((f) => html`<li class="flag">
      <q>${f.policy_ref}</q>: the clause was <del>${f.old_clause ?? '—'}</del> and is now ${f.new_clause === null ? html`<strong>removed</strong>` : html`<ins>${f.new_clause}</ins>`}</li>`)}</ul>` : null}
    ${item.revision ? html`<${RevisionDiff} served=${item.revision.entry} proposed=${item.revision} />` : null}
    ${item.lift.length ? html`<${Lift} lift=${item.lift} />` : null}
    ${item.evidence === null ? html`<p class="muted">This key cannot read evidence.</p>`
      : item.evidence.length === 0 ? html`<p class="muted">No teacher evidence: written through the API.</p>`
      : html`<details open><summary>Evidence (${item.evidence.length})</summary>${item.evidence.map((record) => html`<${EvidenceRecord} record=${record} />`)}</details>`}
    ${can.review
      ? html`<div class="decision">
          <label for=${`${id}-reason`}>Reason (recorded in the history)</label>
          <textarea id=${`${id}-reason`} ref=${selected ? reasonRef : undefined} rows="2" value=${reason} onInput=${(e) => onReason(e.currentTarget.value)}></textarea>
          <div class="actions">
            <button type="button" class="approve" onClick=${() => decide('approve')}>${DECISION_LABEL[item.kind]?.approve ?? 'Approve'}</button>
            <button type="button" class="reject" onClick=${() => decide('reject')}>${DECISION_LABEL[item.kind]?.reject ?? 'Reject'}</button>
          </div>
          <${ErrorNote} error=${error} />
        </div>`
      : html`<p class="muted">This key may read the queue but not review it.</p>`}
  </article>`;
}

export function QueuePage({ libraryId, can }) {
  const pages = useCursorPages();
  const { loading, data, error, reload } = useLoad(() => loadQueuePage(libraryId, pages.cursor, { readEvidence: can.readEvidence }), [libraryId, pages.cursor]);
  const [done, setDone] = useState(new Set());
  const [selected, setSelected] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const reasonRef = useRef(null);
  const items = (data?.items ?? []).filter((item) => !done.has(itemKey(item)));

  const [reasons, setReasons] = useState({});
  // Read at decision time: a shortcut pressed right after typing can come before the re-render.
  const latestReasons = useRef(reasons);
  const setReason = (key, text) => {
    latestReasons.current = { ...latestReasons.current, [key]: text };
    setReasons(latestReasons.current);
  };
  const [errors, setErrors] = useState({});
  const current = Math.min(selected, Math.max(0, items.length - 1));
  const fail = (key, message) => setErrors((all) => ({ ...all, [key]: message === null ? null : new Error(message) }));

  const decide = async (item, decision) => {
    const key = itemKey(item);
    const reason = (latestReasons.current[key] ?? '').trim();
    if (!reason) {
      fail(key, `write the reason for the ${decision === 'approve' ? 'approval' : 'rejection'} first`);
      document.getElementById(`q-${key}-reason`)?.focus();
      return;
    }
    try {
      await review(libraryId, item, decision, reason);
      // The decided item leaves the page: focus moves to the one that takes its place, not to <body>.
      const next = items[items.findIndex((other) => itemKey(other) === key) + 1] ?? items.find((other) => itemKey(other) !== key);
      setDone((d) => new Set([...d, key]));
      setTimeout(() => (next ? document.querySelector(`.queue-item[data-key="${itemKey(next)}"]`) : document.getElementById('queue-title'))?.focus());
      setAnnouncement(`${decision === 'approve' ? 'Approved' : 'Rejected'}: ${item.entry.scenario}`);
    } catch (err) {
      fail(key, err.message);
    }
  };

  useEffect(() => {
    const onKey = (e) => {
      if (e.key === 'Escape' && typing(e.target)) return e.target.blur();
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const move = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 }[e.key];
      if (move !== undefined) {
        e.preventDefault();
        setSelected((s) => Math.max(0, Math.min(items.length - 1, s + move)));
      } else if (e.key === 'e' && can.review) {
        e.preventDefault();
        reasonRef.current?.focus();
      } else if ((e.key === 'a' || e.key === 'r') && can.review && items[current]) {
        e.preventDefault();
        void decide(items[current], e.key === 'a' ? 'approve' : 'reject');
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    document.querySelector('.queue-item.selected')?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);

  return html`<section aria-labelledby="queue-title">
    <h2 id="queue-title" tabindex="-1">Review queue</h2>
    <p class="help">Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous${can.review ? html`, <kbd>e</kbd> write the reason, <kbd>Esc</kbd> leave the field, <kbd>a</kbd> approve, <kbd>r</kbd> reject` : null}.
      <button type="button" class="link" onClick=${() => { setDone(new Set()); reload(); }}>Refresh</button></p>
    <p class="sr-only" aria-live="polite">${announcement}</p>
    <${ErrorNote} error=${error} />
    ${loading ? html`<${Loading} what="the queue" />` : items.length === 0 ? html`<p class="empty">Nothing to review on this page.</p>` : null}
    ${items.map((item, i) => html`<${QueueItem} key=${itemKey(item)} item=${item} selected=${i === current} can=${can}
      reason=${reasons[itemKey(item)] ?? ''} error=${errors[itemKey(item)]} onReason=${(text) => setReason(itemKey(item), text)}
      onSelect=${() => setSelected(i)} decide=${(decision) => decide(item, decision)} reasonRef=${reasonRef} />`)}
    <${Pager} pages=${pages} nextCursor=${data?.nextCursor} />
  </section>`;
}
