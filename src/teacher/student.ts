import { composePrompt } from '../chat/composer.js';
import type { ChatMessage, ToolDefinition } from '../messages.js';
import type { Library } from '../library/types.js';
import type { RetrievedGuidance, Retriever } from '../retrieval/retriever.js';
import type { ModelCalls } from './model-calls.js';
import { agentMove } from './transcript-text.js';

/** The same number of entries a chat turn retrieves by default. */
const RETRIEVE_K = 5;
// Drafts of the same job compete for places when the note under test is a draft; they are dropped after.
const DRAFT_HEADROOM = 20;

export interface StudentReply {
  /** What the student said and the tools it called, as text (see agentMove). */
  content: string;
  /** Entries composed into the prompt, by id:version. */
  guidance: string[];
  /** Where the note under test was in the composed notes (1 = first); null when it was not composed (absent: no note under test). */
  rank?: number | null;
}

/**
 * A note whose effect is measured. It is in the library: a draft entry (served only in the "with"
 * arm), an entry in service (validate: left out of the "without" arm), or an entry in service with a
 * pending revision (the "with" arm serves the revision's text in the entry's place; "without" serves
 * the entry as it is).
 */
export interface NoteUnderTest {
  entryId: string;
  revision?: { scenario: string; guidance: string };
}

export interface ReplyOptions {
  /** The note under test and the arm: with it in the library, or without it. */
  note?: { under: NoteUnderTest; arm: 'with' | 'without' };
  tools?: ToolDefinition[];
  seed?: number;
}

function served(results: RetrievedGuidance[], options: ReplyOptions): RetrievedGuidance[] {
  const note = options.note;
  if (note === undefined) return results;
  const { entryId, revision } = note.under;
  if (note.arm === 'without') return results.filter((r) => r.status === 'approved' && (revision !== undefined || r.id !== entryId));
  return results
    .filter((r) => r.status === 'approved' || r.id === entryId)
    .map((r) => (r.id === entryId && revision !== undefined ? { ...r, ...revision } : r));
}

/**
 * Serves the student the way production chat does: guidance retrieved for the conversation by the
 * retriever, composed with the firm policy by the chat composer, then the student model.
 */
export class StudentServer {
  constructor(
    private readonly retriever: Retriever,
    private readonly guidanceTokenBudget: number,
  ) {}

  async reply(calls: ModelCalls, library: Library, messages: ChatMessage[], options: ReplyOptions = {}): Promise<StudentReply> {
    const withDraft = options.note?.arm === 'with' && options.note.under.revision === undefined;
    const { results } = await this.retriever.retrieve(library, { messages, k: RETRIEVE_K + (withDraft ? DRAFT_HEADROOM : 1), includeDrafts: withDraft });
    const found = served(results, options);
    // As in chat: the always-on core is outside k.
    const guidance = [...found.filter((g) => g.always_on), ...found.filter((g) => !g.always_on).slice(0, RETRIEVE_K)];
    const composition = composePrompt({ policy: library.policy, guidance, messages, guidanceTokenBudget: this.guidanceTokenBudget });
    const params = { ...(options.tools === undefined || options.tools.length === 0 ? {} : { tools: options.tools }), ...(options.seed === undefined ? {} : { seed: options.seed }) };
    const answer = await calls.complete('student', composition.messages, params);
    const index = options.note === undefined ? -1 : composition.used.findIndex((g) => g.id === options.note!.under.entryId);
    return {
      content: agentMove({ content: answer.content, tool_calls: answer.toolCalls }),
      guidance: composition.used.map((g) => `${g.id}:${g.version}`),
      rank: index === -1 ? null : index + 1,
    };
  }
}
