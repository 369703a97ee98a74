import { withoutRedactionMarks } from '../chat/redaction.js';
import { centroidOf, centroidTexts } from '../chunk-index/entry-chunks.js';
import type { TraceConfig } from '../config/traces.js';
import type { Db } from '../db/db.js';
import type { ChatMessage } from '../messages.js';
import { buildConversationQuery } from '../retrieval/conversation-query.js';
import { bm25Term } from '../retrieval/search-sql.js';
import type { Embedder } from '../retrieval/embedder.js';
import type { Embedders } from '../retrieval/embedders.js';
import { fuseHits, type TextHit, type VectorHit } from '../retrieval/fusion.js';
import { placeEntries, withToolState } from '../retrieval/placement.js';
import { toolCallState } from '../retrieval/procedures.js';
import { followedNotes, SERVED_NOTES_FROM, SERVED_NOTE_OBJECT, type ServedNote } from '../retrieval/selection-facts.js';
import { toolsRun } from '../retrieval/tool-state.js';
import type { Releases } from './releases.js';
import { retrievalFor } from './retrieval-settings.js';
import type { Library, ProcedureStep } from './types.js';

/** A set of entry versions to retrieve from: a release, the approved entries now, or those and the drafts. */
export type ReplaySide = string | 'current' | 'drafts';

export interface ReplayRequest {
  a: ReplaySide;
  b: ReplaySide;
  from?: Date;
  to?: Date;
  /** Most recent stored turns replayed. */
  limit: number;
  /** Entries per turn and side; undefined: each turn's own, as chat chooses it. */
  k?: number;
}

export interface EntryVersion {
  entry_id: string;
  version: number;
}

export interface ReplayTurn {
  trace_id: string;
  created_at: Date;
  a: EntryVersion[];
  b: EntryVersion[];
  /** Retrieved under b only. */
  added: EntryVersion[];
  /** Retrieved under a only. */
  removed: EntryVersion[];
  /** Retrieved under both, at other versions. */
  changed_version: { entry_id: string; a_version: number; b_version: number }[];
  changed: boolean;
}

export interface ReplayConversation {
  conversation_id: string;
  changed: boolean;
  turns: ReplayTurn[];
}

export interface ReplayReport {
  a: ReplaySide;
  b: ReplaySide;
  k: number | null;
  turns: number;
  changed_turns: number;
  conversations: ReplayConversation[];
  changed_conversations: number;
  /** Stored turns in the range whose messages were not kept (TRACE_MESSAGES=off, or past retention). */
  turns_without_messages: number;
  /** Per entry, the turns it entered (added), left (removed) or changed version in. */
  by_entry: { entry_id: string; added: number; removed: number; changed_version: number }[];
}

interface Doc {
  id: string;
  version: number;
  scenario: string;
  guidance: string;
  examples: string[];
  after_tools: string[];
  before_tools: string[];
  always_on: boolean;
  priority: number;
  excludes: string[];
  requires: string[];
  procedure: ProcedureStep | null;
  /** Each example's tool state (migrations/019_example_states.sql). */
  example_states: string[];
  lexemes: string[];
  /** How often each of `lexemes` occurs in the entry. */
  counts: number[];
}

interface Side {
  docs: Doc[];
  /** Each doc's centroid, as the index holds it for live retrieval. */
  centroids: Map<string, number[]>;
  /** IDF of each lexeme in the side, as the search computes it (BM25's, lexemes in over half the docs left out). */
  idf: Map<string, number>;
}

const docColumns = (t: string) => `${t}.scenario, ${t}.guidance, ${t}.examples, ${t}.after_tools, ${t}.before_tools,
  ${t}.always_on, ${t}.priority, ${t}.excludes, ${t}.requires, ${t}.procedure, coach_example_states(${t}.examples) AS example_states,
  array(SELECT lexeme FROM unnest(coach_guidance_tsv(${t}.scenario, ${t}.examples, ${t}.guidance)) ORDER BY lexeme) AS lexemes,
  array(SELECT cardinality(positions) FROM unnest(coach_guidance_tsv(${t}.scenario, ${t}.examples, ${t}.guidance)) ORDER BY lexeme) AS counts`;

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

interface WeightedLexeme {
  lexeme: string;
  weight: number;
}

const key = (e: EntryVersion) => `${e.entry_id}:${e.version}`;

/**
 * Replays stored conversations against two sets of entry versions and reports which guidance each
 * turn would have been given under either; no model is called. Both sides are retrieved the same
 * way, in process, from the versions' own texts: exact vector scan of their centroids (embedded
 * with the library's embedder, so an OpenAI-compatible one is called for versions' texts), BM25
 * over the side's entries, then the same fusion, bonuses, min_score and selection rules as live
 * retrieval (placement.ts), with the notes the conversation had been given before the turn. A
 * difference is therefore the library change's, not the index's.
 */
export class Replay {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly releases: Releases,
    private readonly candidates: number,
    /** The marks stored traces' redaction left, taken out before a turn is searched again. */
    private readonly redactions: TraceConfig['redactions'],
  ) {}

  async run(library: Library, request: ReplayRequest): Promise<ReplayReport> {
    const embedder = this.embedders.get(library.embedder);
    const vectors = new Map<string, number[]>();
    const [a, b] = [await this.side(library, request.a, embedder, vectors), await this.side(library, request.b, embedder, vectors)];
    const range = [library.id, request.from ?? null, request.to ?? null];
    const IN_RANGE = 'library_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)';
    const stored = await this.db.query<{ id: string; conversation_id: string | null; created_at: Date; model: string | null; messages: ChatMessage[] }>(
      `SELECT id, conversation_id, created_at, model, messages FROM chat_traces WHERE ${IN_RANGE} AND messages IS NOT NULL
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [...range, request.limit],
    );
    const [withoutMessages] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chat_traces WHERE ${IN_RANGE} AND messages IS NULL`, range);
    const servedBefore = await this.servedNotes(library.id, stored);
    const replayable = stored.reverse();
    const conversations = new Map<string, ReplayConversation>();
    const byEntry = new Map<string, { entry_id: string; added: number; removed: number; changed_version: number }>();
    const tally = (entryId: string, field: 'added' | 'removed' | 'changed_version') => {
      const row = byEntry.get(entryId) ?? { entry_id: entryId, added: 0, removed: 0, changed_version: 0 };
      row[field]++;
      byEntry.set(entryId, row);
    };
    for (const trace of replayable) {
      const messages = withoutRedactionMarks(trace.messages, this.redactions);
      const query = await buildConversationQuery(messages, embedder);
      const lexemes = await this.db.query<WeightedLexeme>(
        `SELECT lx.lexeme, sum(w.weight)::float8 AS weight
         FROM unnest($1::text[], $2::float8[]) w(word, weight), unnest(to_tsvector('english', w.word)) lx GROUP BY lx.lexeme`,
        [query.terms.map((q) => q.term), query.terms.map((q) => q.weight)],
      );
      const ran = toolsRun(messages);
      const turnQuery: TurnQuery = {
        vector: query.vector,
        lexemes,
        messages,
        ran,
        followed: followedNotes(servedBefore.get(trace.id) ?? [], ran),
        ...retrievalFor(library.retrieval, trace.model, { k: request.k }),
      };
      const underA = this.retrieve(a, turnQuery);
      const underB = this.retrieve(b, turnQuery);
      const versionInA = new Map(underA.map((e) => [e.entry_id, e.version]));
      const versionInB = new Map(underB.map((e) => [e.entry_id, e.version]));
      const turn: ReplayTurn = {
        trace_id: trace.id,
        created_at: trace.created_at,
        a: underA,
        b: underB,
        added: underB.filter((e) => !versionInA.has(e.entry_id)),
        removed: underA.filter((e) => !versionInB.has(e.entry_id)),
        changed_version: underA
          .filter((e) => versionInB.has(e.entry_id) && versionInB.get(e.entry_id) !== e.version)
          .map((e) => ({ entry_id: e.entry_id, a_version: e.version, b_version: versionInB.get(e.entry_id)! })),
        changed: false,
      };
      turn.changed = turn.added.length + turn.removed.length + turn.changed_version.length > 0;
      turn.added.forEach((e) => tally(e.entry_id, 'added'));
      turn.removed.forEach((e) => tally(e.entry_id, 'removed'));
      turn.changed_version.forEach((e) => tally(e.entry_id, 'changed_version'));
      const id = trace.conversation_id ?? `trace:${trace.id}`;
      const conversation = conversations.get(id) ?? { conversation_id: id, changed: false, turns: [] };
      conversation.turns.push(turn);
      conversation.changed ||= turn.changed;
      conversations.set(id, conversation);
    }
    const turns = [...conversations.values()].flatMap((c) => c.turns);
    return {
      a: request.a,
      b: request.b,
      k: request.k ?? null,
      turns: turns.length,
      changed_turns: turns.filter((t) => t.changed).length,
      conversations: [...conversations.values()],
      changed_conversations: [...conversations.values()].filter((c) => c.changed).length,
      turns_without_messages: withoutMessages!.n,
      by_entry: [...byEntry.values()].sort((x, y) => (x.entry_id < y.entry_id ? -1 : 1)),
    };
  }

  private async side(library: Library, side: ReplaySide, embedder: Embedder, vectors: Map<string, number[]>): Promise<Side> {
    let docs: Doc[];
    if (side === 'current' || side === 'drafts') {
      docs = await this.db.query<Doc>(
        `SELECT e.id, e.version, ${docColumns('e')} FROM guidance_entries e WHERE e.library_id = $1 AND e.status = ANY($2::text[])`,
        [library.id, side === 'drafts' ? ['approved', 'draft'] : ['approved']],
      );
    } else {
      await this.releases.get(library.id, side);
      docs = await this.db.query<Doc>(
        `SELECT v.entry_id AS id, v.version, ${docColumns('v')}
         FROM library_release_entries r JOIN guidance_versions v ON v.entry_id = r.entry_id AND v.version = r.version
         WHERE r.release_id = $1`,
        [side],
      );
    }
    const missing = docs.filter((d) => !vectors.has(key({ entry_id: d.id, version: d.version })));
    const texts = missing.map((d) => centroidTexts(d));
    const embedded = await embedder.embed(texts.flat());
    let next = 0;
    missing.forEach((d, i) => {
      vectors.set(key({ entry_id: d.id, version: d.version }), centroidOf(texts[i]!.map(() => embedded[next++]!)));
    });
    const centroids = new Map(docs.map((d) => [d.id, vectors.get(key({ entry_id: d.id, version: d.version }))!]));
    const df = new Map<string, number>();
    for (const d of docs) for (const lexeme of d.lexemes) df.set(lexeme, (df.get(lexeme) ?? 0) + 1);
    const idf = new Map<string, number>();
    for (const [lexeme, n] of df) if (n * 2 <= docs.length) idf.set(lexeme, Math.log(1 + (docs.length - n + 0.5) / (n + 0.5)));
    return { docs, centroids, idf };
  }

  /**
   * The notes each replayed turn's conversation had been given before it, as live retrieval read
   * them for that turn (see selectionFacts): a note given and followed takes no slot.
   */
  private async servedNotes(libraryId: string, traces: { id: string; conversation_id: string | null }[]): Promise<Map<string, ServedNote[]>> {
    const inConversations = traces.filter((t) => t.conversation_id !== null).map((t) => t.id);
    const rows =
      inConversations.length === 0
        ? []
        : await this.db.query<{ replayed: string; note: ServedNote }>(
            `SELECT r.id AS replayed, ${SERVED_NOTE_OBJECT} AS note
             FROM chat_traces r
             JOIN (${SERVED_NOTES_FROM}) ON t.library_id = r.library_id AND t.conversation_id = r.conversation_id AND (t.created_at, t.id) < (r.created_at, r.id)
             WHERE r.library_id = $1 AND r.id = ANY($2::uuid[])
             ORDER BY r.id, t.created_at, t.id`,
            [libraryId, inConversations],
          );
    const notes = new Map<string, ServedNote[]>();
    for (const { replayed, note } of rows) notes.set(replayed, [...(notes.get(replayed) ?? []), note]);
    return notes;
  }

  private retrieve(side: Side, turn: TurnQuery): EntryVersion[] {
    const done = new Set(turn.ran);
    const fits = new Map(
      side.docs
        .filter((d) => d.after_tools.every((t) => done.has(t)) && !d.before_tools.some((t) => done.has(t)))
        .map((d) => [d.id, d]),
    );
    const hasVector = turn.vector.some((x) => x !== 0);
    const vectorHits: VectorHit[] = hasVector
      ? [...fits.keys()]
          .map((entryId) => ({ entryId, similarity: cosine(turn.vector, side.centroids.get(entryId)!) }))
          .sort((x, y) => y.similarity - x.similarity)
          .slice(0, this.candidates)
      : [];
    const candidates = [...fits.values()];
    const averageLength = candidates.reduce((sum, d) => sum + d.lexemes.length, 0) / Math.max(1, candidates.length);
    const textHits: TextHit[] = candidates
      .map((d) => {
        const own = new Map(d.lexemes.map((lexeme, i) => [lexeme, d.counts[i]!]));
        const rank = turn.lexemes.reduce((sum, q) => {
          const count = own.get(q.lexeme);
          return count === undefined ? sum : sum + bm25Term(side.idf.get(q.lexeme) ?? 0, q.weight, count, d.lexemes.length / averageLength);
        }, 0);
        return { entryId: d.id, textRank: rank };
      })
      .filter((hit) => hit.textRank > 0)
      .sort((x, y) => y.textRank - x.textRank)
      .slice(0, this.candidates);
    const fused = fuseHits(vectorHits, textHits, new Set(candidates.filter((d) => d.examples.length > 0).map((d) => d.id)));
    const state = toolCallState(turn.messages);
    const { selected } = placeEntries({
      scored: withToolState(fused, new Set(candidates.filter((d) => d.after_tools.length > 0).map((d) => d.id))),
      steps: side.docs.flatMap((d) => (d.procedure === null ? [] : [{ id: d.id, ...d.procedure, state_examples: d.example_states.filter((s) => s === state).length }])),
      messages: turn.messages,
      rules: candidates.map(({ id, always_on, priority, excludes, requires }) => ({ id, always_on, priority, excludes, requires })),
      followed: turn.followed,
      minScore: turn.minScore,
      k: turn.k,
    });
    return selected.map((s) => ({ entry_id: s.id, version: fits.get(s.id)!.version }));
  }
}

/** What one replayed turn is retrieved by, the same under either side. */
interface TurnQuery {
  vector: number[];
  lexemes: WeightedLexeme[];
  messages: ChatMessage[];
  ran: string[];
  followed: Map<string, string>;
  k: number;
  minScore: number;
}
