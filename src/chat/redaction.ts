import type { TraceConfig } from '../config/traces.js';
import type { ChatMessage } from '../messages.js';

type Redactions = TraceConfig['redactions'];

function redactText(text: string, redactions: Redactions): string {
  return redactions.reduce((out, { label, pattern }) => out.replace(pattern, `[${label}]`), text);
}

/** Every text of the messages (content, tool call arguments) through `rewrite`. */
function rewriteTexts(messages: ChatMessage[], rewrite: (text: string) => string): ChatMessage[] {
  return messages.map((message) => {
    const rewritten: ChatMessage = { ...message };
    if (typeof rewritten.content === 'string') rewritten.content = rewrite(rewritten.content);
    if (rewritten.role === 'assistant' && rewritten.tool_calls !== undefined) {
      rewritten.tool_calls = rewritten.tool_calls.map((call) => ({ ...call, function: { ...call.function, arguments: rewrite(call.function.arguments) } }));
    }
    return rewritten;
  });
}

/** The messages as a trace keeps them: every text (content, tool call arguments) redacted. */
export function redactMessages(messages: ChatMessage[], redactions: Redactions): ChatMessage[] {
  if (redactions.length === 0) return messages;
  return rewriteTexts(messages, (text) => redactText(text, redactions));
}

/**
 * The messages of a trace with the marks its redaction left ("[phone]") taken out. What was
 * redacted (an address, a number) gave retrieval no word when the turn was served, but the mark's
 * label would: a replay of the turn, or an example made of it, must not search for "phone".
 */
export function withoutRedactionMarks(messages: ChatMessage[], redactions: Redactions): ChatMessage[] {
  if (redactions.length === 0) return messages;
  const labels = redactions.map(({ label }) => label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const marks = new RegExp(`[^\\S\\n]*\\[(?:${labels.join('|')})\\]`, 'g');
  return rewriteTexts(messages, (text) => text.replace(marks, ''));
}
