import { composePrompt } from '../chat/composer.js';
import type { Library } from '../library/types.js';
import type { ChatMessage, TextMessage } from '../messages.js';
import type { Retriever } from '../retrieval/retriever.js';
import type { ModelCalls } from '../teacher/model-calls.js';
import { StudentServer, type StudentReply } from '../teacher/student.js';
import type { CoachClient } from './coach-client.js';
import { playbookNote, type GenericPlaybook } from './generic-playbook.js';

export const ARMS = ['student', 'generic', 'coach', 'teacher', 'sft'] as const;
export type ArmName = (typeof ARMS)[number];

export const ARM_LABELS: Record<ArmName, string> = {
  student: 'student alone, policy only',
  generic: 'student + generic playbook',
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
export type PromptBuilder = (messages: TextMessage[]) => Promise<{ messages: ChatMessage[]; guidance: string[] }>;

/** The policy alone, composed the way production composes it, so arms differ only in their notes. */
export const policyOnly =
  (policy: string): PromptBuilder =>
  async (messages) => ({ messages: composePrompt({ policy, guidance: [], messages, guidanceTokenBudget: 0 }).messages, guidance: [] });

/**
 * The same notes in every conversation, chosen for none: the teacher's generic playbook, composed
 * as Coach composes a retrieved note and within the same budget, so that only the choice differs.
 */
export function genericGuidance(policy: string, playbook: GenericPlaybook): PromptBuilder {
  return async (messages) => {
    const composition = composePrompt({ policy, guidance: [playbookNote(playbook.text)], messages, guidanceTokenBudget: playbook.budget });
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

  // The simulator only ever gives it text turns.
  override async reply(calls: ModelCalls, _library: Library, messages: TextMessage[]): Promise<StudentReply> {
    const prompt = await this.buildPrompt(messages);
    return { content: await calls.text('student', prompt.messages), guidance: prompt.guidance };
  }
}
