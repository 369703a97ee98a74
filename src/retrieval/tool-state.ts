import type { ChatMessage } from '../messages.js';
import { contentTokens } from './local-embedder.js';

/**
 * What the agent's tools have done so far in a conversation: the calls it made, with their
 * arguments and results. This is conversational state as much as what the customer said: "the
 * order is delivered" or "cancel_pending_order returned an error" decides which guidance fits.
 */

export interface ToolEvent {
  name: string;
  callId: string;
  /** Index of the assistant message that made the call. */
  index: number;
  arguments: string;
  /** The tool message answering the call, or null when the conversation does not have it (yet). */
  result: string | null;
}

/** Every tool call of the conversation in order, each with its result when there is one. */
export function toolEvents(messages: readonly ChatMessage[]): ToolEvent[] {
  const results = new Map<string, string>();
  for (const message of messages) if (message.role === 'tool') results.set(message.tool_call_id, message.content);
  return messages.flatMap((message, index) =>
    message.role !== 'assistant'
      ? []
      : (message.tool_calls ?? []).map((call) => ({
          name: call.function.name,
          callId: call.id,
          index,
          arguments: call.function.arguments,
          result: results.get(call.id) ?? null,
        })),
  );
}

/**
 * The tools that have run, sorted. A tool has run once the agent called it, whatever it returned:
 * a failed cancellation still means "the cancellation was attempted", and a frontend that drops
 * tool results from the history still tells which calls were made.
 */
export function toolsRun(messages: readonly ChatMessage[]): string[] {
  return [...new Set(toolEvents(messages).map((event) => event.name))].sort();
}

/** A scalar longer than this is a description or a blob, not a state such as a status. */
const MAX_FACT_CHARS = 80;
/** Plain-text results are kept up to this length: error messages and short confirmations. */
const MAX_PLAIN_CHARS = 200;
const MAX_FACTS = 12;
const MAX_DEPTH = 4;

/**
 * The salient parts of a tool's arguments or result, as "key: value" lines: short strings with
 * words in them (a status, an error text, a reason) and booleans. Identifiers, numbers and long
 * texts are left out: they name things rather than describe the state, and a large JSON result
 * would drown the customer's words. Errors come first. Text that is not JSON is kept when short.
 */
export function salientFacts(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const plain = text.trim();
    return plain === '' ? [] : [plain.length <= MAX_PLAIN_CHARS ? plain : `${plain.slice(0, MAX_PLAIN_CHARS)}…`];
  }
  const facts: { fact: string; error: boolean }[] = [];
  const visit = (node: unknown, key: string | null, depth: number) => {
    if (facts.length >= MAX_FACTS * 4 || depth > MAX_DEPTH) return;
    if (typeof node === 'string') {
      if (node.length <= MAX_FACT_CHARS && !IDENTIFIER.test(node) && contentTokens(node).length > 0) facts.push({ fact: key === null ? node : `${key}: ${node}`, error: isErrorKey(key) });
    } else if (typeof node === 'boolean') {
      if (key !== null) facts.push({ fact: `${key}: ${node}`, error: isErrorKey(key) });
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, key, depth + 1);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(v, k, depth + 1);
    }
  };
  visit(value, null, 0);
  const ordered = [...facts.filter((f) => f.error), ...facts.filter((f) => !f.error)];
  return [...new Set(ordered.map((f) => f.fact))].slice(0, MAX_FACTS);
}

/** One word with a digit in it: an order number, a code, a user id. */
const IDENTIFIER = /^\S*\d\S*$/;

const isErrorKey = (key: string | null) => key !== null && /error|fail/i.test(key);
