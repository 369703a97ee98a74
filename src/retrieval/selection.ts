import { MAX_ALWAYS_ON } from '../library/selection-rules.js';
import type { SelectionRules } from '../library/types.js';

/**
 * Deterministic selection of the entries a turn gets, after relevance (no LLM):
 *
 * 1. Always-on entries that pass the request's filters form the core, highest priority first, at
 *    most MAX_ALWAYS_ON. They come ahead of retrieved entries and take none of the k slots.
 * 2. Retrieved entries whose relevance (fused score plus tool-state bonus) reaches min_score are
 *    ranked by score = relevance + PRIORITY_STEP × priority: priority settles near-ties and
 *    never lets an entry below min_score in.
 * 3. An entry already given and followed in this conversation takes no slot.
 * 4. Down the ranking until k are taken: an entry that excludes, or is excluded by, one already
 *    taken (the core included) is left out: the one ranked first keeps its place. An entry that
 *    requires others is taken only together with them: each must be in the core, already given
 *    and followed, taken, or a candidate of this turn that can be taken with it now (it then
 *    joins right behind it, ranked with it); if they do not fit in the slots left, it is left out.
 */
export const PRIORITY_STEP = 0.05;

/** The rules selection places by; a procedure step has been weighed into the relevance already. */
export type PlacementRules = Omit<SelectionRules, 'procedure'>;

export interface Candidate {
  id: string;
  /** Fused score plus the tool-state and next-step bonuses; already at least min_score. */
  relevance: number;
  rules: PlacementRules;
}

export type SetAsideReason = 'followed' | 'excluded' | 'requires' | 'always_on_cap';

export interface SetAside {
  id: string;
  reason: SetAsideReason;
  /** The entries the reason is about: the one it is excluded by, the required ones missing; empty otherwise. */
  by: string[];
  detail: string;
}

export interface Selected {
  id: string;
  alwaysOn: boolean;
  /** What the entry is ranked by; a required entry taken with another is ranked with it. */
  score: number;
  /** The entry whose requires took this one in ahead of its own rank, if any. */
  requiredBy: string | null;
  /** Required entries that are in this prompt (not those already followed): the entry is only useful beside them. */
  needs: string[];
}

export interface Selection {
  /** The core, then the retrieved entries in rank order. */
  selected: Selected[];
  /** Candidates left out by a rule, down to the last taken one: what would otherwise have had a place. */
  setAside: SetAside[];
}

const rankScore = (c: Candidate) => c.relevance + PRIORITY_STEP * c.rules.priority;
const conflicts = (a: Candidate, b: Candidate) => a.rules.excludes.includes(b.id) || b.rules.excludes.includes(a.id);

export function selectEntries(input: { candidates: Candidate[]; alwaysOn: Candidate[]; followed: Map<string, string>; k: number }): Selection {
  const setAside: SetAside[] = [];
  const core = [...input.alwaysOn].sort((a, b) => b.rules.priority - a.rules.priority || (a.id < b.id ? -1 : 1));
  for (const extra of core.slice(MAX_ALWAYS_ON)) {
    setAside.push({ id: extra.id, reason: 'always_on_cap', by: [], detail: `the library has more than ${MAX_ALWAYS_ON} always-on entries; those of lowest priority wait` });
  }
  const taken: Candidate[] = core.slice(0, MAX_ALWAYS_ON);
  const selected: Selected[] = taken.map((c) => ({ id: c.id, alwaysOn: true, score: rankScore(c), requiredBy: null, needs: [] }));
  const coreIds = new Set(taken.map((c) => c.id));
  const ranked = input.candidates
    .filter((c) => !coreIds.has(c.id))
    // Ties keep the candidates' order (sorting is stable): placement passes them ranked.
    .sort((a, b) => rankScore(b) - rankScore(a));
  const pool = new Map<string, Candidate>();
  for (const c of ranked) {
    const followed = input.followed.get(c.id);
    if (followed !== undefined) setAside.push({ id: c.id, reason: 'followed', by: [], detail: followed });
    else pool.set(c.id, c);
  }
  const isTaken = (id: string) => taken.some((t) => t.id === id);
  let slots = input.k;
  for (const c of ranked) {
    if (slots === 0) break;
    if (!pool.has(c.id) || isTaken(c.id)) continue;
    const blocker = taken.find((t) => conflicts(t, c));
    if (blocker !== undefined) {
      setAside.push({ id: c.id, reason: 'excluded', by: [blocker.id], detail: `excluded by ${blocker.id}, which ranks first` });
      continue;
    }
    const bundle = requirementsOf(c, pool, input.followed, isTaken);
    if ('missing' in bundle) {
      setAside.push({ id: c.id, reason: 'requires', by: bundle.missing, detail: bundle.detail });
      continue;
    }
    const clash = bundle.with.find((r) => taken.some((t) => conflicts(t, r)) || bundle.with.some((o) => o !== r && conflicts(o, r)) || conflicts(c, r));
    if (clash !== undefined || bundle.with.length + 1 > slots) {
      const detail = clash !== undefined ? `requires ${clash.id}, which an entry of this prompt excludes` : `requires ${bundle.with.map((r) => r.id).join(', ')} too, and only ${slots} slot(s) are left`;
      setAside.push({ id: c.id, reason: 'requires', by: bundle.with.map((r) => r.id), detail });
      continue;
    }
    const score = rankScore(c);
    const inPrompt = (id: string) => coreIds.has(id) || isTaken(id) || bundle.with.some((r) => r.id === id);
    for (const member of [c, ...bundle.with]) {
      taken.push(member);
      selected.push({ id: member.id, alwaysOn: false, score, requiredBy: member === c ? null : c.id, needs: member.rules.requires.filter(inPrompt) });
      slots--;
    }
  }
  return { selected, setAside };
}

/**
 * What an entry needs taken with it: its required entries (and theirs) that are not in the prompt
 * nor already followed, each a candidate of this turn; or which required entry is missing.
 */
function requirementsOf(
  entry: Candidate,
  pool: Map<string, Candidate>,
  followed: Map<string, string>,
  isTaken: (id: string) => boolean,
): { with: Candidate[] } | { missing: string[]; detail: string } {
  const needed: Candidate[] = [];
  const seen = new Set([entry.id]);
  const stack = [...entry.rules.requires];
  while (stack.length > 0) {
    const id = stack.shift()!;
    if (seen.has(id) || isTaken(id) || followed.has(id)) continue;
    seen.add(id);
    const required = pool.get(id);
    if (required === undefined) return { missing: [id], detail: `requires ${id}, which is neither in this prompt, a candidate of this turn, nor already followed in the conversation` };
    needed.push(required);
    stack.push(...required.rules.requires);
  }
  return { with: needed };
}
