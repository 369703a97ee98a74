/**
 * OpenAI's chat fine-tuning format, one example per JSONL line: `{"messages": [...], "tools"?: [...]}`
 * with system, user, assistant and tool messages, assistant tool_calls where the agent used tools,
 * and `weight: 0` on assistant messages not to learn from (another model's turns kept as context).
 * Any service that takes this format (OpenAI, Together, Fireworks, axolotl, TRL) fine-tunes on it.
 */
export interface SftToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type SftMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: SftToolCall[]; weight?: 0 | 1 }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface SftTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown };
}

export interface SftExample {
  messages: SftMessage[];
  tools?: SftTool[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';

function toolCallProblems(calls: unknown, at: string, toolNames: Set<string> | null): string[] {
  if (!Array.isArray(calls) || calls.length === 0) return [`${at}.tool_calls must be a non-empty array`];
  return calls.flatMap((call, j) => {
    const where = `${at}.tool_calls[${j}]`;
    if (!isObject(call) || !nonEmpty(call.id) || call.type !== 'function' || !isObject(call.function) || !nonEmpty(call.function.name) || typeof call.function.arguments !== 'string') {
      return [`${where} must be {id, type: "function", function: {name, arguments}}`];
    }
    const problems: string[] = [];
    try {
      JSON.parse(call.function.arguments);
    } catch {
      problems.push(`${where}.function.arguments is not JSON`);
    }
    if (toolNames === null) problems.push(`${where} calls ${String(call.function.name)} but the example has no "tools"`);
    else if (!toolNames.has(call.function.name as string)) problems.push(`${where} calls ${String(call.function.name)}, which is not among the example's tools`);
    return problems;
  });
}

/**
 * What is wrong with one example (an empty list when nothing is): roles known, system messages
 * first, every tool message answering a pending tool call of the assistant message before it, every
 * call answered before the conversation goes on, and an assistant message last, to learn from.
 */
export function sftProblems(example: unknown): string[] {
  if (!isObject(example)) return ['is not a JSON object'];
  const unknown = Object.keys(example).filter((k) => k !== 'messages' && k !== 'tools');
  if (unknown.length > 0) return [`has fields the format does not have: ${unknown.join(', ')}`];
  const { messages, tools } = example;
  if (!Array.isArray(messages) || messages.length === 0) return ['"messages" must be a non-empty array'];
  let toolNames: Set<string> | null = null;
  if (tools !== undefined) {
    if (!Array.isArray(tools) || !tools.every((tool) => isObject(tool) && tool.type === 'function' && isObject(tool.function) && nonEmpty(tool.function.name))) {
      return ['"tools" must be an array of {type: "function", function: {name, …}}'];
    }
    toolNames = new Set(tools.map((tool) => (tool as SftTool).function.name));
  }
  const problems: string[] = [];
  let pending: Set<string> | null = null;
  let seenTurn = false;
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (!isObject(m)) return problems.push(`${at} is not an object`);
    if (m.role === 'tool') {
      if (pending === null) return problems.push(`${at} is a tool message that follows no assistant tool call`);
      if (!nonEmpty(m.tool_call_id) || !pending.has(m.tool_call_id as string)) return problems.push(`${at}.tool_call_id ${JSON.stringify(m.tool_call_id)} answers no pending tool call`);
      pending.delete(m.tool_call_id as string);
      if (typeof m.content !== 'string') problems.push(`${at}.content must be a string`);
      return;
    }
    if (pending !== null && pending.size > 0) problems.push(`${at} comes before tool call(s) ${[...pending].join(', ')} were answered`);
    pending = null;
    if (m.role === 'system') {
      if (seenTurn) problems.push(`${at}: system messages come before the conversation`);
      if (!nonEmpty(m.content)) problems.push(`${at}.content must be a non-empty string`);
      return;
    }
    seenTurn = true;
    if (m.role === 'user') {
      if (!nonEmpty(m.content)) problems.push(`${at}.content must be a non-empty string`);
      return;
    }
    if (m.role !== 'assistant') return problems.push(`${at}.role ${JSON.stringify(m.role)} is not system, user, assistant or tool`);
    if (m.weight !== undefined && m.weight !== 0 && m.weight !== 1) problems.push(`${at}.weight must be 0 or 1`);
    const hasCalls = m.tool_calls !== undefined;
    if (m.content !== null && typeof m.content !== 'string') problems.push(`${at}.content must be a string or null`);
    if (!hasCalls && !nonEmpty(m.content)) problems.push(`${at} has neither content nor tool_calls`);
    if (hasCalls) {
      problems.push(...toolCallProblems(m.tool_calls, at, toolNames));
      pending = new Set(Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => (c as SftToolCall).id) : []);
    }
  });
  const last = messages.at(-1) as Record<string, unknown> | undefined;
  if (last?.role !== 'assistant') problems.push('the last message must be the assistant\'s, the reply to learn');
  else if (last.weight === 0) problems.push('the last assistant message has weight 0: nothing to learn');
  return problems;
}

/** Every line's problems, numbered from 1; an empty list for a valid file. */
export function sftFileProblems(text: string): { line: number; problem: string }[] {
  const result: { line: number; problem: string }[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return [{ line: 0, problem: 'the file holds no example' }];
  lines.forEach((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      result.push({ line: i + 1, problem: 'is not valid JSON' });
      return;
    }
    for (const problem of sftProblems(value)) result.push({ line: i + 1, problem });
  });
  return result;
}
