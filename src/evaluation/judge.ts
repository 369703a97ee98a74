import type { ChatMessage } from '../messages.js';
import type { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { numberedTranscript, policySection } from '../teacher/transcript-text.js';
import { PairwiseOutput, ScoresOutput, type PairwiseVerdict, type Scores } from './output-schemas.js';
import type { EvalScenario } from './scenarios.js';

function situation(scenario: EvalScenario): string {
  const facts = scenario.policy_facts.length === 0 ? '(none given)' : scenario.policy_facts.map((f) => `- ${f}`).join('\n');
  return `# The customer's hidden goal\n${scenario.hidden_goal}\n\n# Policy-relevant facts of this situation\n${facts}`;
}

/** The rubric's four 1–7 scores and the violations, from the judge (the `teacher` slot of `calls`). */
export function scoreConversation(calls: ModelCalls, prompt: Prompt, policy: string, scenario: EvalScenario, messages: ChatMessage[]): Promise<Scores> {
  return calls.structured<Scores>('dialogue_scores', ScoresOutput, [
    { role: 'system', content: prompt.text },
    { role: 'user', content: [policySection(policy), situation(scenario), `# The conversation\n${numberedTranscript(messages)}`].join('\n\n') },
  ]);
}

/** Which of two conversations in the same situation served the customer better, as shown: A first. */
export function comparePair(
  calls: ModelCalls,
  prompt: Prompt,
  policy: string,
  scenario: EvalScenario,
  a: ChatMessage[],
  b: ChatMessage[],
): Promise<PairwiseVerdict> {
  return calls.structured<PairwiseVerdict>('pairwise_verdict', PairwiseOutput, [
    { role: 'system', content: prompt.text },
    {
      role: 'user',
      content: [policySection(policy), situation(scenario), `# Conversation A\n${numberedTranscript(a)}`, `# Conversation B\n${numberedTranscript(b)}`].join('\n\n'),
    },
  ]);
}
