import { vectorLiteral } from '../chunk-index/vector-literal.js';
import type { Db } from '../db/db.js';
import { NO_RULES, type GuidanceEntry, type Library } from '../library/types.js';
import { buildConversationQuery } from './conversation-query.js';
import type { Embedders } from './embedders.js';
import { DEFAULT_FUSION, fuseHits, type FusedEntry, type TextHit, type VectorHit } from './fusion.js';
import { runSearch, type SearchInput } from './search-sql.js';
import { followedNotes, selectionFacts, SHOWN_COLUMNS, type ShownEntry } from './selection-facts.js';
import { NEXT_STEP_BONUS, nextSteps, type ProcedureStepRow } from './procedures.js';
import { PRIORITY_STEP, selectEntries, type PlacementRules, type SetAside } from './selection.js';
import { toolsRun } from './tool-state.js';
import type { ChatMessage } from '../messages.js';
import { recordRetrieval } from '../ops/instruments.js';
import { withSpan } from '../ops/tracing.js';

export interface RetrieveRequest {
  messages: ChatMessage[];
  k: number;
  filters?: {
    /** Entries having all of these. */
    tags?: string[];
    /** Entries having at least one of these. */
    anyTags?: string[];
  };
  minScore?: number;
  /** Drafts too (never retired entries). */
  includeDrafts?: boolean;
  /** The conversation's earlier turns (traces) tell which notes were already given and followed. */
  conversationId?: string | null;
}

/**
 * How the entry's applies_when met the conversation. Entries whose conditions are not met are not
 * retrieved at all, so a condition here is either met (true) or absent (null).
 */
interface ToolStateExplanation {
  afterToolsMet: true | null;
  beforeToolsMet: true | null;
  /** TOOL_STATE_BONUS when after_tools are met, else 0. */
  bonus: number;
}

/**
 * Added to the score of an entry whose after_tools have all run. A note written for the state
 * after a call fits it better than one that ignores tools, and the text alone, mostly the
 * customer's words, cannot tell the two apart. A tenth of the score range: enough to lift such a
 * note over an otherwise close match, not over a clearly better one.
 */
export const TOOL_STATE_BONUS = 0.1;

/** Where the entry stands in its procedure, for an entry that is a procedure step. */
interface ProcedureExplanation {
  name: string;
  step: number;
  tool: string | null;
  /** The procedure's first step with a tool not done yet. */
  next: boolean;
  /** NEXT_STEP_BONUS for the next step, else 0. */
  bonus: number;
}

/** How the selection rules placed the entry (see selection.ts). */
interface SelectionExplanation {
  alwaysOn: boolean;
  priority: number;
  /** The fused score plus the tool-state and next-step bonuses: what min_score is compared with. */
  relevance: number;
  /** PRIORITY_STEP × priority. */
  priorityBonus: number;
  /** The entry whose requires took this one in, ranked with it; null when it placed on its own. */
  requiredBy: string | null;
  /** Required entries in this prompt that it is only useful beside. */
  needs: string[];
}

export interface RetrievedGuidance
  extends Pick<GuidanceEntry, 'id' | 'external_id' | 'version' | 'scenario' | 'guidance' | 'tags' | 'policy_refs' | 'applies_when' | 'status' | 'always_on'> {
  /** What the entry is ranked by: relevance plus the priority bonus (an always-on entry's: 0 when the search did not find it). */
  score: number;
  explanation: FusedEntry['explanation'] & { toolState: ToolStateExplanation; procedure: ProcedureExplanation | null; selection: SelectionExplanation };
}

export interface RetrieveResult {
  /** The always-on core, then the retrieved entries by rank. */
  results: RetrievedGuidance[];
  /** Candidates a selection rule left out, with why. */
  setAside: SetAside[];
  query: string;
  /** The tools the conversation has run, which the entries' applies_when were checked against. */
  toolsRun: string[];
}

/** The explanation of an always-on entry the search did not find. */
const NOT_FOUND: FusedEntry['explanation'] = {
  vector: { score: 0, similarity: null },
  text: { rank: 0, normalised: 0 },
  fused: { vectorWeight: 1 - DEFAULT_FUSION.textWeight, textWeight: DEFAULT_FUSION.textWeight },
};

export interface RetrieverOptions {
  efSearch: number;
  /** Entries (centroids) fetched from the vector index, and entries from full-text search, before fusion. */
  candidates: number;
}

/**
 * LLM-free retrieval: one query vector and one OR full-text query from the conversation, both
 * searched in a single statement, fused per entry in process. Entries whose applies_when does not
 * fit the tools the conversation has run are filtered out in the search, like other filters.
 */
export class Retriever {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly options: RetrieverOptions,
  ) {}

  async retrieve(library: Library, request: RetrieveRequest): Promise<RetrieveResult> {
    const started = performance.now();
    try {
      const result = await withSpan('retrieve', { 'coach.library_id': library.id, 'coach.k': request.k }, async (span) => {
        const found = await this.ranked(library, request);
        span.setAttribute('coach.results', found.results.length);
        return found;
      });
      recordRetrieval((performance.now() - started) / 1000, 'ok');
      return result;
    } catch (err) {
      recordRetrieval((performance.now() - started) / 1000, 'error');
      throw err;
    }
  }

  private async ranked(library: Library, request: RetrieveRequest): Promise<RetrieveResult> {
    const embedder = this.embedders.get(library.embedder);
    const query = await buildConversationQuery(request.messages, embedder);
    const statuses = request.includeDrafts === true ? ['approved', 'draft'] : ['approved'];
    const ran = toolsRun(request.messages);
    const { vectorHits, textHits, afterToolsMet, withExamples } = await this.search(library, embedder.id, embedder.dimension, {
      vector: vectorLiteral(query.vector),
      textTerms: query.terms,
      statuses,
      tags: request.filters?.tags ?? [],
      anyTags: request.filters?.anyTags ?? [],
      toolsRun: ran,
    });
    const minScore = request.minScore ?? 0;
    const bonusOf = (entryId: string) => (afterToolsMet.has(entryId) ? TOOL_STATE_BONUS : 0);
    const scored = fuseHits(vectorHits, textHits, withExamples).map((hit) => ({ hit, relevance: hit.score + bonusOf(hit.entryId) }));
    const byRelevance = (a: { hit: FusedEntry; relevance: number }, b: { hit: FusedEntry; relevance: number }) =>
      b.relevance - a.relevance || (a.hit.entryId < b.hit.entryId ? -1 : 1);
    const facts = await selectionFacts(this.db, {
      libraryId: library.id,
      candidateIds: scored.map((entry) => entry.hit.entryId),
      statuses,
      tags: request.filters?.tags ?? [],
      anyTags: request.filters?.anyTags ?? [],
      toolsRun: ran,
      conversationId: request.conversationId ?? null,
      prefetch: scored.filter((entry) => entry.relevance >= minScore).sort(byRelevance).slice(0, request.k).map((entry) => entry.hit.entryId),
    });
    const procedures = procedureStanding(facts.steps, request.messages);
    for (const entry of scored) entry.relevance += procedures.get(entry.hit.entryId)?.bonus ?? 0;
    const fused = new Map(scored.map((entry) => [entry.hit.entryId, entry]));
    const qualified = scored.filter((entry) => entry.relevance >= minScore).sort(byRelevance);
    const rulesOf = new Map<string, PlacementRules>(facts.rules.map(({ id, ...rules }) => [id, rules]));
    const candidate = (id: string, relevance: number) => ({ id, relevance, rules: rulesOf.get(id) ?? NO_RULES });
    const { selected, setAside } = selectEntries({
      candidates: qualified.map((entry) => candidate(entry.hit.entryId, entry.relevance)),
      alwaysOn: facts.rules.filter((r) => r.always_on).map((r) => candidate(r.id, fused.get(r.id)?.relevance ?? 0)),
      followed: followedNotes(facts.served, ran),
      k: request.k,
    });
    const entries = new Map(facts.entries.map((entry) => [entry.id, entry]));
    const unread = selected.filter((s) => !entries.has(s.id)).map((s) => s.id);
    for (const entry of await this.entries(unread)) entries.set(entry.id, entry);
    const met = (tools: string[]): true | null => (tools.length > 0 ? true : null);
    const results = selected.flatMap(({ id, score, requiredBy, needs }) => {
      const entry = entries.get(id);
      if (entry === undefined) return [];
      const { external_id, version, scenario, guidance, tags, policy_refs, applies_when, status, always_on, priority } = entry;
      const toolState = { afterToolsMet: met(applies_when.after_tools), beforeToolsMet: met(applies_when.before_tools), bonus: bonusOf(id) };
      const found = fused.get(id);
      const selection = { alwaysOn: always_on, priority, relevance: found?.relevance ?? 0, priorityBonus: PRIORITY_STEP * priority, requiredBy, needs };
      const explanation = { ...(found?.hit.explanation ?? NOT_FOUND), toolState, procedure: procedures.get(id) ?? null, selection };
      return [{ id, external_id, version, scenario, guidance, tags, policy_refs, applies_when, status, always_on, score, explanation }];
    });
    return { results, setAside, query: query.query, toolsRun: ran };
  }

  private async search(
    library: Library,
    embedderId: string,
    dim: number,
    q: SearchInput,
  ): Promise<{ vectorHits: VectorHit[]; textHits: TextHit[]; afterToolsMet: Set<string>; withExamples: Set<string> }> {
    const rows = await runSearch(this.db, { libraryId: library.id, embedderId, dim, efSearch: this.options.efSearch, candidates: this.options.candidates }, q);
    const vectorHits: VectorHit[] = [];
    const textHits: TextHit[] = [];
    const afterToolsMet = new Set<string>();
    const withExamples = new Set<string>();
    for (const row of rows) {
      if (row.has_examples) withExamples.add(row.entry_id);
      if (row.source === 'vector') vectorHits.push({ entryId: row.entry_id, similarity: Number(row.value) });
      else textHits.push({ entryId: row.entry_id, textRank: Number(row.value) });
      if (row.after_tools_met) afterToolsMet.add(row.entry_id);
    }
    return { vectorHits, textHits, afterToolsMet, withExamples };
  }

  /** Entries selected that were not read ahead: a rule moved them into the results. */
  private async entries(ids: string[]): Promise<ShownEntry[]> {
    if (ids.length === 0) return [];
    const [row] = await this.db.query<{ entries: ShownEntry[] }>(
      `SELECT coalesce(json_agg(json_build_object(${SHOWN_COLUMNS})), '[]'::json) AS entries FROM guidance_entries e WHERE e.id = ANY($1::uuid[])`,
      [ids],
    );
    return row!.entries;
  }
}

/** Each procedure step's standing in the conversation, by entry id; the next steps carry NEXT_STEP_BONUS. */
function procedureStanding(steps: ProcedureStepRow[], messages: ChatMessage[]): Map<string, ProcedureExplanation> {
  const next = new Set([...nextSteps(steps, messages).values()].map((step) => step.id));
  return new Map(
    steps.map(({ id, name, step, tool }) => [id, { name, step, tool, next: next.has(id), bonus: next.has(id) ? NEXT_STEP_BONUS : 0 }]),
  );
}
