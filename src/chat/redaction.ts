import type { TraceConfig } from '../config/traces.js';
import type { ChatMessage } from '../messages.js';

type Redactions = TraceConfig['redactions'];

function redactText(text: string, redactions: Redactions): string {
  return redactions.reduce((out, { label, pattern }) => out.replace(pattern, `[${label}]`), text);
}

/** The messages as a trace keeps them: every text (content, tool call arguments) redacted. */
export function redactMessages(messages: ChatMessage[], redactions: Redactions): ChatMessage[] {
  if (redactions.length === 0) return messages;
  return messages.map((message) => {
    const redacted: ChatMessage = { ...message };
    if (typeof redacted.content === 'string') redacted.content = redactText(redacted.content, redactions);
    if (redacted.role === 'assistant' && redacted.tool_calls !== undefined) {
      redacted.tool_calls = redacted.tool_calls.map((call) => ({
        ...call,
        function: { ...call.function, arguments: redactText(call.function.arguments, redactions) },
      }));
    }
    return redacted;
  });
}
