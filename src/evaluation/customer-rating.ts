import type { ChatMessage } from '../messages.js';
import type { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { numberedTranscript } from '../teacher/transcript-text.js';
import { RatingOutput, type Rating } from './output-schemas.js';
import type { EvalScenario } from './scenarios.js';

/**
 * The simulated customer's 1–5 satisfaction once the conversation is over. `calls` must have the
 * customer model in its teacher slot: ModelCalls makes structured calls only through that slot.
 */
export function rateSatisfaction(calls: ModelCalls, prompt: Prompt, scenario: EvalScenario, messages: ChatMessage[]): Promise<Rating> {
  const persona = scenario.persona === undefined ? '' : `\n\n# Your persona\n${scenario.persona}`;
  return calls.structured<Rating>('customer_rating', RatingOutput, [
    { role: 'system', content: prompt.text },
    { role: 'user', content: `# Your goal\n${scenario.hidden_goal}${persona}\n\n# The conversation (customer = you)\n${numberedTranscript(messages)}` },
  ]);
}
