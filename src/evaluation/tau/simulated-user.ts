import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../../messages.js';
import type { ChatModel, Usage } from '../../models/chat-model.js';
import { projectRoot } from '../../project-root.js';
import type { Prompt } from '../../teacher/prompts.js';

/** What the simulated user says, alone, once its instruction's goal is met; it ends the conversation. */
export const STOP = '###STOP###';

/** What the user model is told the agent said first, as upstream opens every conversation. */
const GREETING = 'Hi! How can I help you today?';

const PROMPT_FILE = 'user-simulator.v1.md';

/** Upstream's user-simulator prompt (the "llm" strategy), with the task's instruction filled in. */
export function loadUserPrompt(dir: string = path.join(projectRoot(), 'src', 'evaluation', 'tau', 'prompts')): Prompt {
  return { text: readFileSync(path.join(dir, PROMPT_FILE), 'utf8').trim(), version: PROMPT_FILE.replace(/\.md$/, '') };
}

export const emptyUsage = (): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

export function addUsage(total: Usage, usage: Usage | null): void {
  if (usage === null) return;
  total.prompt_tokens += usage.prompt_tokens;
  total.completion_tokens += usage.completion_tokens;
  total.total_tokens += usage.total_tokens;
}

/**
 * τ-bench's simulated user: an LLM that plays the task's instruction one message at a time. In
 * its own conversation the agent's messages are the `user` turns and its replies the `assistant`
 * turns, as upstream has it.
 */
export class SimulatedUser {
  readonly usage = emptyUsage();
  private readonly messages: ChatMessage[];

  constructor(
    private readonly model: ChatModel,
    prompt: Prompt,
    instruction: string,
    private readonly signal?: AbortSignal,
  ) {
    this.messages = [{ role: 'system', content: prompt.text.replace('{{instruction}}', () => instruction) }];
  }

  /** The user's opening message. */
  start(): Promise<string> {
    return this.reply(GREETING);
  }

  async reply(agentMessage: string): Promise<string> {
    this.messages.push({ role: 'user', content: agentMessage });
    const completion = await this.model.complete(this.messages, {}, this.signal);
    addUsage(this.usage, completion.usage);
    this.messages.push({ role: 'assistant', content: completion.content });
    return completion.content;
  }
}
