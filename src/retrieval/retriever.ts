import { vectorLiteral } from '../chunk-index/vector-literal.js';
import type { Db } from '../db/db.js';
import type { GuidanceEntry, Library } from '../library/types.js';
import { buildConversationQuery } from './conversation-query.js';
import type { Embedders } from './embedders.js';
import { DEFAULT_FUSION, fuseHits, type FusedEntry, type TextHit, type VectorHit } from './fusion.js';
import { runSearch, type SearchInput } from './search-sql.js';
import { followedNotes, selectionFacts, SHOWN_COLUMNS, type ShownEntry } from './selection-facts.js';
import { byRelevance, placeEntries, withToolState, TOOL_STATE_BONUS, type ProcedureStanding } from './placement.js';
import { PRIORITY_STEP, type SetAside } from './selection.js';
import { toolsRun } from './tool-state.js';
import { toolCallState } from './procedures.js';
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
  explanation: FusedEntry['explanation'] & { toolState: ToolStateExplanation; procedure: ProcedureStanding | null; selection: SelectionExplanation };
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
    const scored = withToolState(fuseHits(vectorHits, textHits, withExamples), afterToolsMet);
    const facts = await selectionFacts(this.db, {
      libraryId: library.id,
      candidateIds: scored.map((entry) => entry.hit.entryId),
      statuses,
      tags: request.filters?.tags ?? [],
      anyTags: request.filters?.anyTags ?? [],
      toolsRun: ran,
      toolCallState: toolCallState(request.messages),
      conversationId: request.conversationId ?? null,
      prefetch: scored.filter((entry) => entry.relevance >= minScore).sort(byRelevance).slice(0, request.k).map((entry) => entry.hit.entryId),
    });
    const { selected, setAside, scored: fused, procedures } = placeEntries({
      scored,
      steps: facts.steps,
      messages: request.messages,
      rules: facts.rules,
      followed: followedNotes(facts.served, ran),
      minScore,
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
      const toolState = { afterToolsMet: met(applies_when.after_tools), beforeToolsMet: met(applies_when.before_tools), bonus: afterToolsMet.has(id) ? TOOL_STATE_BONUS : 0 };
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
