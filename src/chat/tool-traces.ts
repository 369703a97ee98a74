import { toolCallsById, truncate, type ChatMessage, type ToolCall, type ToolDefinition } from '../messages.js';

/**
 * What a trace keeps of a turn's tools. Tool arguments and results can hold customer data, unlike
 * the rest of a trace, so they are cut to a size that shows what happened without keeping records.
 */
const TRACED_TEXT_CHARS = 1_000;

export interface TracedToolResult {
  tool_call_id: string;
  name: string;
  content: string;
}

/** The tool results in the conversation the student was given, each with the name of the tool that produced it. */
export function toolResultsGiven(messages: readonly ChatMessage[]): TracedToolResult[] {
  const calls = toolCallsById(messages);
  return messages.flatMap((message) =>
    message.role !== 'tool'
      ? []
      : [{ tool_call_id: message.tool_call_id, name: calls.get(message.tool_call_id)?.call.function.name ?? '', content: truncate(message.content, TRACED_TEXT_CHARS) }],
  );
}

/** The tool calls the student asked for, their arguments cut as results are. */
export function tracedToolCalls(calls: readonly ToolCall[]): ToolCall[] {
  return calls.map((call) => ({ ...call, function: { name: call.function.name, arguments: truncate(call.function.arguments, TRACED_TEXT_CHARS) } }));
}

/** Whether `text` names the tool as a word of its own: `get_order` is not named by `get_order_details`. */
export function namesTool(text: string, name: string): boolean {
  // Tool names are [A-Za-z0-9_-]: none of them is special in a regular expression outside a class.
  return new RegExp(`(^|[^A-Za-z0-9_-])${name}($|[^A-Za-z0-9_-])`).test(text);
}

/**
 * Per note, the offered tools its guidance names ("call get_order_details before promising
 * anything"); notes naming none are left out. Tools not offered in the turn do not count: the
 * student could not have called them.
 */
export function namedTools(notes: readonly { id: string; guidance: string }[], tools: readonly ToolDefinition[]): Record<string, string[]> {
  const names = tools.map((tool) => tool.function.name);
  const named: Record<string, string[]> = {};
  for (const note of notes) {
    const found = names.filter((name) => namesTool(note.guidance, name));
    if (found.length > 0) named[note.id] = found;
  }
  return named;
}
