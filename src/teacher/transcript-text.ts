import { toolCallsById, truncate, type ChatMessage, type ToolCall } from '../messages.js';

/** Enough of a tool result for the teacher to see what it said; whole records would crowd out the conversation. */
const TOOL_RESULT_CHARS = 2_000;

const callText = (call: ToolCall) => `calls ${call.function.name}(${call.function.arguments}) [${call.id}]`;

/**
 * What an agent turn did, as text: what it said, then each tool call it made. A tool call is a
 * move like any reply, and the teacher judges it as one (made too early, with wrong arguments).
 */
export function agentMove(message: { content: string | null; tool_calls?: ToolCall[] }): string {
  const said = message.content === null || message.content.trim() === '' ? [] : [message.content];
  return [...said, ...(message.tool_calls ?? []).map(callText)].join('\n') || '(nothing)';
}

/** A conversation for the teacher, every message numbered so verdicts can point at turns. */
export function numberedTranscript(messages: ChatMessage[]): string {
  const calls = toolCallsById(messages);
  return messages
    .map((m, i) => {
      switch (m.role) {
        case 'user':
          return `[${i}] customer: ${m.content}`;
        case 'system':
          return `[${i}] system: ${m.content}`;
        case 'assistant':
          return `[${i}] agent: ${agentMove(m)}`;
        case 'tool': {
          const name = calls.get(m.tool_call_id)?.call.function.name ?? 'unknown tool';
          return `[${i}] tool result of ${name} [${m.tool_call_id}]: ${truncate(m.content, TOOL_RESULT_CHARS)}`;
        }
      }
    })
    .join('\n');
}

export function policySection(policy: string): string {
  return `# Firm policy\n${policy.trim() === '' ? '(none given)' : policy}`;
}
