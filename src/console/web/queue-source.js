import { api, libraryPath, query } from './api.js';

const PAGE_SIZE = 10;

/**
 * Where the review queue comes from. Today: the library's drafts (the guidance listing) with each
 * entry's evidence. A dedicated queue endpoint (drafts, pending revisions, flagged entries) slots in
 * by returning items of the same shape from `fetchPage`; `normalise` already reads their fields.
 */
async function fetchPage(libraryId, cursor) {
  return api(libraryPath(libraryId, `/guidance${query({ status: 'draft', limit: PAGE_SIZE, cursor })}`));
}

/** An item of either source: a bare entry (a draft), or `{ kind, entry, evidence?, served?, lift? }`. */
export function normalise(item) {
  const entry = item.entry ?? item;
  return {
    kind: item.kind ?? (entry.status === 'draft' ? 'draft' : 'needs_review'),
    entry,
    served: item.served ?? item.served_version ?? null,
    lift: item.lift ?? null,
    reasons: item.reasons ?? (item.reason ? [item.reason] : []),
    evidence: Array.isArray(item.evidence) ? item.evidence : null,
  };
}

export async function loadQueuePage(libraryId, cursor, { readEvidence }) {
  const page = await fetchPage(libraryId, cursor);
  const items = await Promise.all(
    page.items.map(async (raw) => {
      const item = normalise(raw);
      if (item.evidence === null && readEvidence) {
        item.evidence = (await api(libraryPath(libraryId, `/guidance/${item.entry.id}/evidence`))).items;
      }
      return item;
    }),
  );
  return { items, nextCursor: page.next_cursor ?? null };
}

export const review = (libraryId, entryId, decision, reason) =>
  api(libraryPath(libraryId, `/guidance/${entryId}/review`), { method: 'POST', body: { decision, reason } });
