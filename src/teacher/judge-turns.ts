import type { ChatMessage } from '../messages.js';
import type { Library } from '../library/types.js';
import type { ModelCalls, OutputCheck } from './model-calls.js';
import { ContrastOutput, DecisionPointsOutput, type Contrast } from './output-schemas.js';
import type { Prompts } from './prompts.js';
import { numberedTranscript, policySection } from './transcript-text.js';
import type { DecisionPoint } from './types.js';

type Judged = Contrast['turns'][number];

function agentTurns(messages: ChatMessage[]): number[] {
  return messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
}

function onAgentTurns(messages: ChatMessage[]): OutputCheck<Judged[]> {
  const agent = new Set(agentTurns(messages));
  return (items) => items.filter((item) => !agent.has(item.turn)).map((item) => `turn ${item.turn} is not an agent turn`);
}

function decisionPoints(sourceId: string, messages: ChatMessage[], judged: Judged[]): DecisionPoint[] {
  const seen = new Set<number>();
  return judged
    .filter((item) => !seen.has(item.turn) && seen.add(item.turn))
    .sort((a, b) => a.turn - b.turn)
    .map((item) => ({
      key: `${sourceId}#${item.turn}`,
      sourceId,
      turn: item.turn,
      state: messages.slice(0, item.turn),
      agentReply: messages[item.turn]!.content,
      teacherReply: item.teacher_reply,
      shortfall: item.shortfall,
      kinds: item.kinds,
      explanation: item.explanation,
    }));
}

/** Contrast: the teacher's reply and a shortfall verdict for every student turn of a simulation. */
export async function contrast(calls: ModelCalls, prompts: Prompts, library: Library, sourceId: string, messages: ChatMessage[]): Promise<DecisionPoint[]> {
  if (agentTurns(messages).length === 0) return [];
  const check = onAgentTurns(messages);
  const output = await calls.structured<Contrast>(
    'contrast',
    ContrastOutput,
    [
      { role: 'system', content: prompts.contrast.text },
      { role: 'user', content: `${policySection(library.policy)}\n\n# Conversation\n${numberedTranscript(messages)}` },
    ],
    (value) => check(value.turns),
  );
  return decisionPoints(sourceId, messages, output.turns);
}

/** The decision points of a real conversation: the agent turns whose move mattered. */
export async function findDecisionPoints(
  calls: ModelCalls,
  prompts: Prompts,
  library: Library,
  sourceId: string,
  messages: ChatMessage[],
  outcome: string | undefined,
): Promise<DecisionPoint[]> {
  if (agentTurns(messages).length === 0) return [];
  const check = onAgentTurns(messages);
  const output = await calls.structured<{ decision_points: Judged[] }>(
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
  return decisionPoints(sourceId, messages, output.decision_points);
}
