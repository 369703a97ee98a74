import { api, libraryPath, query } from './api.js';

const PAGE_SIZE = 10;

/**
 * Where the review queue comes from. A key that may review reads the queue endpoint (drafts, entries
 * flagged by a policy change, pending revisions of approved entries); a key that may not reads the
 * library's drafts, which is all of the queue it may see.
 */
async function fetchPage(libraryId, offset, { readEvidence }) {
  if (!readEvidence) {
    const page = await api(libraryPath(libraryId, `/guidance${query({ status: 'draft', limit: PAGE_SIZE, cursor: offset })}`));
    return { items: page.items.map((entry) => ({ kind: 'draft', entry, policy_flags: [], revision_id: null })), next: page.next_cursor ?? null };
  }
  const page = await api(libraryPath(libraryId, `/review-queue${query({ limit: PAGE_SIZE, offset: offset ?? 0 })}`));
  return { items: page.items, next: page.next_offset ?? null };
}

/** The latest measurement per student model of the entry itself, or of the revision when one is given. */
function latestLift(measurements, revisionId) {
  const latest = new Map();
  for (const m of measurements) {
    if ((m.revision_id ?? null) === (revisionId ?? null) && !latest.has(m.student_model)) latest.set(m.student_model, m);
  }
  return [...latest.values()];
}

async function withEvidence(libraryId, raw) {
  const gid = raw.entry.id;
  const [evidence, lift, revisions] = await Promise.all([
    api(libraryPath(libraryId, `/guidance/${gid}/evidence`)),
    api(libraryPath(libraryId, `/guidance/${gid}/lift`)),
    raw.revision_id ? api(libraryPath(libraryId, `/guidance/${gid}/revisions`)) : null,
  ]);
  const revision = revisions?.items.find((r) => r.id === raw.revision_id) ?? null;
  return {
    evidence: evidence.items.filter((record) => (record.revision_id ?? null) === (raw.revision_id ?? null)),
    lift: latestLift(lift.items, raw.revision_id),
    revision,
  };
}

export async function loadQueuePage(libraryId, offset, { readEvidence }) {
  const page = await fetchPage(libraryId, offset, { readEvidence });
  const items = await Promise.all(
    page.items.map(async (raw) => ({
      kind: raw.kind,
      entry: raw.entry,
      policyFlags: raw.policy_flags ?? [],
      revisionId: raw.revision_id ?? null,
      ...(readEvidence ? await withEvidence(libraryId, raw) : { evidence: null, lift: [], revision: null }),
    })),
  );
  return { items, nextCursor: page.next };
}

/**
 * A pending revision is decided through its own routes; an entry flagged by a policy change is kept
 * (its flags closed) or retired; a draft is approved or retired.
 */
export function review(libraryId, item, decision, reason) {
  const entryPath = (rest) => libraryPath(libraryId, `/guidance/${item.entry.id}${rest}`);
  if (item.kind === 'pending_revision') return api(entryPath(`/revisions/${item.revisionId}/${decision}`), { method: 'POST', body: { reason } });
  if (item.kind === 'needs_review' && decision === 'approve') return api(entryPath('/policy-flags/resolve'), { method: 'POST', body: { reason } });
  return api(entryPath('/review'), { method: 'POST', body: { decision, reason } });
}
