import type { ChatMessage } from '../messages.js';

/** A conversation for the teacher, every message numbered so verdicts can point at turns. */
export function numberedTranscript(messages: ChatMessage[]): string {
  return messages
    .map((m, i) => `[${i}] ${m.role === 'user' ? 'customer' : m.role === 'assistant' ? 'agent' : 'system'}: ${m.content}`)
    .join('\n');
}

export function policySection(policy: string): string {
  return `# Firm policy\n${policy.trim() === '' ? '(none given)' : policy}`;
}
