import { composePrompt } from '../chat/composer.js';
import type { GuidanceNote } from '../chat/types.js';
import type { Library } from '../library/types.js';
import type { ChatMessage } from '../messages.js';
import type { Retriever } from '../retrieval/retriever.js';
import type { ModelCalls } from './model-calls.js';

/** The same number of entries a chat turn retrieves by default. */
const RETRIEVE_K = 5;

export interface StudentReply {
  content: string;
  /** Entries composed into the prompt, by id:version (the candidate shows as `candidate:0`). */
  guidance: string[];
}

/** A guidance text under test, composed as if it were the best-matching approved entry. */
export interface CandidateNote {
  scenario: string;
  guidance: string;
  /** The entry it will become a new version of: left out of the retrieved notes it replaces. */
  replaces: string | null;
}

/**
 * Serves the student the way production chat does: approved guidance retrieved for the
 * conversation, composed with the firm policy by the chat composer, then the student model.
 */
export class StudentServer {
  constructor(
    private readonly retriever: Retriever,
    private readonly guidanceTokenBudget: number,
  ) {}

  async reply(calls: ModelCalls, library: Library, messages: ChatMessage[], candidate?: CandidateNote): Promise<StudentReply> {
    const { results } = await this.retriever.retrieve(library, { messages, k: RETRIEVE_K });
    let guidance: GuidanceNote[] = results;
    if (candidate !== undefined) {
      const top = Math.max(1, ...results.map((r) => r.score));
      guidance = [
        { id: 'candidate', version: 0, score: top, scenario: candidate.scenario, guidance: candidate.guidance },
        ...results.filter((r) => r.id !== candidate.replaces),
      ];
    }
    const composition = composePrompt({ policy: library.policy, guidance, messages, guidanceTokenBudget: this.guidanceTokenBudget });
    const content = await calls.text('student', composition.messages);
    return { content, guidance: composition.used.map((g) => `${g.id}:${g.version}`) };
  }
}
