import type { ChatMessage, ToolDefinition } from '../messages.js';
import type { Library } from '../library/types.js';
import { InvalidModelOutputError, type ModelCalls } from './model-calls.js';
import { CompareOutput, type Compare } from './output-schemas.js';
import type { Prompts } from './prompts.js';
import { agentMove, numberedTranscript, policySection } from './transcript-text.js';
import type { DecisionPoint } from './types.js';

/** A decision point that could not be judged (an invalid answer even after its repair); the others go on. */
export interface FailedDecision {
  key: string;
  error: string;
}

export function pointKey(sourceId: string, rollout: number, turn: number): string {
  return rollout === 0 ? `${sourceId}#${turn}` : `${sourceId}/${rollout}#${turn}`;
}

/** The teacher as the agent: its move at a state, knowing only what had happened so far. */
export async function teacherMove(calls: ModelCalls, prompts: Prompts, library: Library, state: ChatMessage[], tools?: ToolDefinition[]): Promise<string> {
  const messages: ChatMessage[] = [{ role: 'system', content: `${prompts.agent.text}\n\n${policySection(library.policy)}` }, ...state];
  const answer = await calls.complete('teacher', messages, { temperature: 0, ...(tools === undefined || tools.length === 0 ? {} : { tools }) });
  return agentMove({ content: answer.content, tool_calls: answer.toolCalls });
}

/**
 * Contrast without hindsight: at every agent turn of a conversation the teacher answers the same
 * prefix the student saw, and the judge compares the two moves there and describes the state. One
 * turn whose answers stay invalid fails alone.
 */
export async function contrastTurns(
  calls: ModelCalls,
  prompts: Prompts,
  library: Library,
  sourceId: string,
  rollout: number,
  messages: ChatMessage[],
  tools?: ToolDefinition[],
): Promise<{ points: DecisionPoint[]; failed: FailedDecision[] }> {
  const points: DecisionPoint[] = [];
  const failed: FailedDecision[] = [];
  for (const [turn, message] of messages.entries()) {
    if (message.role !== 'assistant') continue;
    const key = pointKey(sourceId, rollout, turn);
    const state = messages.slice(0, turn);
    const agentReply = agentMove(message);
    try {
      const teacherReply = await teacherMove(calls, prompts, library, state, tools);
      const verdict = await calls.structured<Compare>(
        'turn_verdict',
        CompareOutput,
        [
          { role: 'system', content: prompts.compare.text },
          {
            role: 'user',
            content: [
              policySection(library.policy),
              `# Conversation so far (the agent replies next)\n${numberedTranscript(state) || '(nothing yet)'}`,
              `# The agent's move\n${agentReply}`,
              `# The expert's move\n${teacherReply}`,
            ].join('\n\n'),
          },
        ],
        undefined,
        'judge',
      );
      points.push({ key, sourceId, rollout, turn, state, ...(tools === undefined ? {} : { tools }), agentReply, teacherReply, ...verdict });
    } catch (err) {
      if (!(err instanceof InvalidModelOutputError)) throw err;
      failed.push({ key, error: err.message });
    }
  }
  return { points, failed };
}
