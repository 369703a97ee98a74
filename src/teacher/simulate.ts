import type { ChatMessage, TextMessage } from '../messages.js';
import type { Library } from '../library/types.js';
import type { ModelCalls } from './model-calls.js';
import type { Prompt } from './prompts.js';
import type { StudentServer } from './student.js';
import type { Scenario } from './types.js';

const END = '[END]';

export interface Simulation {
  /** The conversation as the agent sees it: user = the simulated customer, assistant = the student. */
  messages: TextMessage[];
  /** Guidance composed into the student's prompt, by the index of the student's message. */
  guidance: Record<number, string[]>;
}

function customerBrief(prompt: Prompt, scenario: Scenario): string {
  return [
    prompt.text,
    `# Your situation\n${scenario.description}`,
    `# Your goal\n${scenario.customer_goal}`,
    scenario.persona === undefined ? '' : `# Your persona\n${scenario.persona}`,
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

/** The customer simulator sees the conversation from its side: its own turns are the assistant's. */
function customerView(brief: string, messages: TextMessage[]): ChatMessage[] {
  const turns: ChatMessage[] = messages.map((m) => ({ role: m.role === 'user' ? 'assistant' : 'user', content: m.content }));
  if (turns.length === 0) turns.push({ role: 'user', content: '(The support agent is waiting for your first message.)' });
  return [{ role: 'system', content: brief }, ...turns];
}

/** The customer simulator plays the scenario against the student, up to `maxTurns` student replies; both sample with `seed`. */
export async function simulate(
  calls: ModelCalls,
  student: StudentServer,
  library: Library,
  prompt: Prompt,
  scenario: Scenario,
  maxTurns: number,
  seed?: number,
): Promise<Simulation> {
  const params = seed === undefined ? {} : { seed };
  const brief = customerBrief(prompt, scenario);
  const messages: TextMessage[] = [];
  const guidance: Record<number, string[]> = {};
  let said = scenario.opening ?? (await calls.text('customer', customerView(brief, messages), params));
  for (let turn = 0; turn < maxTurns; turn++) {
    const ended = said.includes(END);
    const text = said.replace(END, '').trim();
    if (text !== '') messages.push({ role: 'user', content: text });
    if (ended || text === '') break;
    const reply = await student.reply(calls, library, messages, { seed });
    guidance[messages.length] = reply.guidance;
    messages.push({ role: 'assistant', content: reply.content });
    if (turn + 1 < maxTurns) said = await calls.text('customer', customerView(brief, messages), params);
  }
  return { messages, guidance };
}
