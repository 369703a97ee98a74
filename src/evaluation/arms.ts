import { composePrompt } from '../chat/composer.js';
import type { GuidanceNote } from '../chat/types.js';
import type { Library } from '../library/types.js';
import type { ChatMessage } from '../messages.js';
import type { Retriever } from '../retrieval/retriever.js';
import type { ModelCalls } from '../teacher/model-calls.js';
import { StudentServer, type StudentReply } from '../teacher/student.js';
import type { CoachClient, LibrarySnapshot } from './coach-client.js';

export const ARMS = ['student', 'generic', 'coach', 'teacher', 'sft'] as const;
export type ArmName = (typeof ARMS)[number];
export const BASELINE_ARM: ArmName = 'student';

export const ARM_LABELS: Record<ArmName, string> = {
  student: 'student alone, policy only',
  generic: 'student + generic guidance',
  coach: 'student + Coach retrieval',
  teacher: 'teacher alone, upper bound',
  sft: 'fine-tuned student',
};

/** Which configured model answers as the agent in each arm. */
export const AGENT_MODEL: Record<ArmName, 'student' | 'teacher' | 'sft'> = {
  student: 'student',
  generic: 'student',
  coach: 'student',
  teacher: 'teacher',
  sft: 'sft',
};

export function parseArms(list: string): ArmName[] {
  const arms = [...new Set(list.split(',').map((a) => a.trim()).filter((a) => a !== ''))];
  for (const arm of arms) if (!(ARMS as readonly string[]).includes(arm)) throw new Error(`unknown arm "${arm}"; arms are ${ARMS.join(', ')}`);
  if (arms.length === 0) throw new Error('--arms names no arm');
  return arms as ArmName[];
}

/** The agent's prompt for the conversation so far, and the guidance entries in it. */
export type PromptBuilder = (messages: ChatMessage[]) => Promise<{ messages: ChatMessage[]; guidance: string[] }>;

/** The policy alone, composed the way production composes it, so arms differ only in their notes. */
export const policyOnly =
  (policy: string): PromptBuilder =>
  async (messages) => ({ messages: composePrompt({ policy, guidance: [], messages, guidanceTokenBudget: 0 }).messages, guidance: [] });

/**
 * The same notes in every conversation, not chosen for it: the library's approved entries, all with
 * the same score so the composer keeps them in id order up to the token budget.
 */
export function genericGuidance(snapshot: LibrarySnapshot, budget: number): PromptBuilder {
  const notes: GuidanceNote[] = snapshot.entries
    .filter((e) => e.status === 'approved')
    .map((e) => ({ id: e.id, version: e.version, score: 1, scenario: e.scenario, guidance: e.guidance }));
  return async (messages) => {
    const composition = composePrompt({ policy: snapshot.policy, guidance: notes, messages, guidanceTokenBudget: budget });
    return { messages: composition.messages, guidance: composition.used.map((g) => `${g.id}:${g.version}`) };
  };
}

/** Production's prompt, from the running Coach's compose route. */
export const coachRetrieval =
  (client: CoachClient, libraryId: string, conversationId: string): PromptBuilder =>
  async (messages) => {
    const composed = await client.compose(libraryId, messages, conversationId);
    return { messages: composed.messages, guidance: composed.guidance.map((g) => `${g.id}:${g.version}`) };
  };

// The overridden reply never retrieves, so the base class never sees a retriever.
const NO_RETRIEVER = null as unknown as Retriever;

/**
 * Adapts an arm to the teacher's simulator, which plays against a StudentServer: the agent is
 * whichever model sits in the student slot of the conversation's ModelCalls, prompted by the arm.
 */
export class ArmAgent extends StudentServer {
  constructor(private readonly buildPrompt: PromptBuilder) {
    super(NO_RETRIEVER, 0);
  }

  override async reply(calls: ModelCalls, _library: Library, messages: ChatMessage[]): Promise<StudentReply> {
    const prompt = await this.buildPrompt(messages);
    return { content: await calls.text('student', prompt.messages), guidance: prompt.guidance };
  }
}
