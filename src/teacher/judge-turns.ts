import type { ChatMessage, ToolDefinition } from '../messages.js';
import type { Library } from '../library/types.js';
import type { ModelCalls, OutputCheck } from './model-calls.js';
import { DecisionPointsOutput, type DecisionPoints } from './output-schemas.js';
import type { Prompts } from './prompts.js';
import { agentMove, numberedTranscript, policySection } from './transcript-text.js';
import type { DecisionPoint } from './types.js';

type Judged = DecisionPoints['decision_points'][number];

function agentTurns(messages: ChatMessage[]): number[] {
  return messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
}

function onAgentTurns(messages: ChatMessage[]): OutputCheck<Judged[]> {
  const agent = new Set(agentTurns(messages));
  return (items) => items.filter((item) => !agent.has(item.turn)).map((item) => `turn ${item.turn} is not an agent turn`);
}

function decisionPoints(sourceId: string, messages: ChatMessage[], judged: Judged[], tools?: ToolDefinition[]): DecisionPoint[] {
  const seen = new Set<number>();
  return judged
    .filter((item) => !seen.has(item.turn) && seen.add(item.turn))
    .sort((a, b) => a.turn - b.turn)
    .map((item) => ({
      key: `${sourceId}#${item.turn}`,
      sourceId,
      turn: item.turn,
      state: messages.slice(0, item.turn),
      ...(tools === undefined ? {} : { tools }),
      agentReply: agentMove(messages[item.turn] as Extract<ChatMessage, { role: 'assistant' }>),
      teacherReply: item.teacher_reply,
      shortfall: item.shortfall,
      kinds: item.kinds,
      explanation: item.explanation,
    }));
}

/** The decision points of a real conversation: the agent turns (replies and tool calls) whose move mattered. */
export async function findDecisionPoints(
  calls: ModelCalls,
  prompts: Prompts,
  library: Library,
  sourceId: string,
  messages: ChatMessage[],
  outcome: string | undefined,
  tools?: ToolDefinition[],
): Promise<DecisionPoint[]> {
  if (agentTurns(messages).length === 0) return [];
  const check = onAgentTurns(messages);
  const output = await calls.structured<DecisionPoints>(
    'decision_points',
    DecisionPointsOutput,
    [
      { role: 'system', content: prompts.decisionPoints.text },
      {
        role: 'user',
        content: `${policySection(library.policy)}\n\n# Conversation\n${numberedTranscript(messages)}\n\n# Outcome\n${outcome ?? '(not recorded)'}`,
      },
    ],
    (value) => check(value.decision_points),
  );
  return decisionPoints(sourceId, messages, output.decision_points, tools);
}
