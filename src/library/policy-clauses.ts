/**
 * A policy read as clauses: its lines, bullets and sentences. An entry's policy_refs quote the
 * policy; when an edit changes or removes the clause a quote lies in, the entry may now be wrong.
 */

/** A clause of the old policy that the new one no longer has, and what (if anything) replaced it. */
export interface ClauseChange {
  old: string;
  /** The new clause most like it; null when nothing in the new policy resembles it (removed). */
  new: string | null;
}

/** An entry's quote that lies in a changed clause. */
export interface QuoteImpact {
  policyRef: string;
  change: ClauseChange;
}

/** Case, spacing and trailing punctuation do not make a clause different. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim().replace(/[.;:!?,]+$/, '');
}

/** Lines, then bullets and numbering stripped, then sentences (a full stop followed by a space and a capital, or the end). */
export function splitClauses(policy: string): string[] {
  return policy
    .split(/\r?\n/)
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)]|#+)\s+/, '').trim())
    .filter((line) => line !== '')
    .flatMap((line) => line.split(/(?<=[.!?;])\s+(?=[A-Z0-9"'(])/))
    .map((clause) => clause.trim())
    .filter((clause) => normalise(clause) !== '');
}

const words = (text: string) => new Set(normalise(text).split(/[^a-z0-9]+/).filter((w) => w.length > 0));

function similarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  const union = wa.size + wb.size - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * Below this share of shared words a new clause is not taken for a rewrite of an old one: the
 * old clause counts as removed. A reworded clause keeps most of its words ("30 days" → "14 days"
 * shares all but one).
 */
const SAME_CLAUSE_SIMILARITY = 0.3;

/** Old clauses that are not in the new policy, each paired with the added clause most like it. */
export function diffClauses(oldPolicy: string, newPolicy: string): ClauseChange[] {
  const oldClauses = splitClauses(oldPolicy);
  const newClauses = splitClauses(newPolicy);
  const kept = new Set(newClauses.map(normalise));
  const before = new Set(oldClauses.map(normalise));
  const added = newClauses.filter((clause) => !before.has(normalise(clause)));
  const seen = new Set<string>();
  const changes: ClauseChange[] = [];
  for (const clause of oldClauses) {
    const key = normalise(clause);
    if (kept.has(key) || seen.has(key)) continue;
    seen.add(key);
    let best: { clause: string; score: number } | null = null;
    for (const candidate of added) {
      const score = similarity(clause, candidate);
      if (score >= SAME_CLAUSE_SIMILARITY && (best === null || score > best.score)) best = { clause: candidate, score };
    }
    changes.push({ old: clause, new: best?.clause ?? null });
  }
  return changes;
}

/**
 * The changes a quote is affected by: a quote lies in a clause (or spans several, each then
 * inside it). A quote found in no old clause did not quote this policy, so no edit of it is its
 * concern.
 */
export function quoteImpacts(policyRefs: string[], changes: ClauseChange[]): QuoteImpact[] {
  const impacts: QuoteImpact[] = [];
  for (const policyRef of policyRefs) {
    const quote = normalise(policyRef);
    if (quote === '') continue;
    for (const change of changes) {
      const clause = normalise(change.old);
      if (clause.includes(quote) || quote.includes(clause)) impacts.push({ policyRef, change });
    }
  }
  return impacts;
}
