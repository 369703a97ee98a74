/**
 * A conversation in the OpenAI Chat Completions message form, the one form Coach's chat, retrieval,
 * composer, models and teacher all speak: `user` is the customer, `assistant` the agent (its turns
 * may be tool calls), `tool` a tool's result given back to the agent. Kept in the wire form rather
 * than renamed, because it is passed to the student as given.
 */

/** A function the agent may call, as a Chat Completions request declares it. */
export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** A JSON Schema object of the arguments. */
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export interface ToolCall {
  id: string;
  type: 'function';
  /** `arguments` is JSON text written by the model, not necessarily valid JSON. */
  function: { name: string; arguments: string };
}

interface SystemMessage {
  role: 'system';
  content: string;
  name?: string;
}

interface UserMessage {
  role: 'user';
  content: string;
  name?: string;
}

interface AssistantMessage {
  role: 'assistant';
  /** null when the turn is only tool calls. */
  content: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  /** Clients send a previous answer back as they got it, refusal (usually null) included. */
  refusal?: string | null;
}

interface ToolMessage {
  role: 'tool';
  content: string;
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A turn of a text-only conversation: what the customer simulator and dialogue evaluation exchange. */
export interface TextMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tool names as OpenAI accepts them. */
export const TOOL_NAME_PATTERN = '^[a-zA-Z0-9_-]{1,64}$';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * What a JSON schema cannot say about a conversation: which fields each role may carry, that null
 * content is only for an assistant turn of tool calls, and that every tool result answers a call
 * made before it (what OpenAI itself refuses otherwise). `field` prefixes the problems' fields.
 */
export function conversationProblems(messages: readonly ChatMessage[], field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const calls = new Set<string>();
  messages.forEach((message, i) => {
    const at = (name: string, problem: string) => problems.push({ field: `${field}.${i}${name === '' ? '' : `.${name}`}`, message: problem });
    // Read as sent: a schema for all roles at once lets any role carry any of these fields.
    const loose = message as { role: string; tool_call_id?: unknown; tool_calls?: unknown };
    if (loose.role !== 'tool' && loose.tool_call_id !== undefined) at('tool_call_id', 'is only for a tool message');
    if (loose.role !== 'assistant' && loose.tool_calls !== undefined) at('tool_calls', 'is only for an assistant message');
    if (message.role === 'assistant') {
      const toolCalls = message.tool_calls ?? [];
      if (message.content === null && toolCalls.length === 0) at('content', 'may be null only in an assistant message with tool_calls');
      toolCalls.forEach((call, c) => {
        if (calls.has(call.id)) at(`tool_calls.${c}.id`, `${call.id} is the id of an earlier tool call`);
        calls.add(call.id);
      });
    } else if (message.content === null) {
      at('content', 'may be null only in an assistant message with tool_calls');
    }
    if (message.role === 'tool') {
      if (message.tool_call_id === undefined) at('tool_call_id', 'is required in a tool message: the id of the tool call it answers');
      else if (!calls.has(message.tool_call_id)) at('tool_call_id', `${message.tool_call_id} answers no tool call of an earlier assistant message`);
    }
  });
  return problems;
}

/** A tool choice as a Chat Completions request gives it. */
export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/**
 * What a JSON schema cannot say about a request's tools, refused as OpenAI refuses it (so a client
 * gets a 400 naming the field, not the student's error as a 502): names are unique, a forced tool
 * is one of them, and the tool options come with tools. `field` is the object holding them.
 */
export function toolProblems(
  tools: readonly ToolDefinition[] | undefined,
  toolChoice: ToolChoice | undefined,
  field: string,
  parallelToolCalls?: boolean,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  (tools ?? []).forEach((tool, i) => {
    if (names.has(tool.function.name)) problems.push({ field: `${field}.tools.${i}.function.name`, message: `${tool.function.name} names an earlier tool too` });
    names.add(tool.function.name);
  });
  if (names.size === 0) {
    if (toolChoice !== undefined) problems.push({ field: `${field}.tool_choice`, message: 'is only allowed with tools' });
    if (parallelToolCalls !== undefined) problems.push({ field: `${field}.parallel_tool_calls`, message: 'is only allowed with tools' });
  } else if (typeof toolChoice === 'object' && !names.has(toolChoice.function.name)) {
    problems.push({ field: `${field}.tool_choice.function.name`, message: `${toolChoice.function.name} is not one of the tools given` });
  }
  return problems;
}

/** The tool calls of a conversation by id, with the index of the message that made each. */
export function toolCallsById(messages: readonly ChatMessage[]): Map<string, { call: ToolCall; index: number }> {
  const byId = new Map<string, { call: ToolCall; index: number }>();
  messages.forEach((message, index) => {
    if (message.role === 'assistant') for (const call of message.tool_calls ?? []) byId.set(call.id, { call, index });
  });
  return byId;
}

/** `text` cut to `max` characters, marked so a reader knows it was cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}
