import type { ChatMessage } from '../messages.js';
import { queryPieces } from './conversation-query.js';
import { toolEvents } from './tool-state.js';

/**
 * The last line of an example taken from a conversation in which no tool had been called yet.
 * Before any call is a tool state too, the one that tells which step agents take first; without
 * the line such an example would read like one written by hand, which says nothing of when it was
 * taken. Neither the local embedder nor Postgres's text parser reads a word in it, so it moves no
 * vector and no text rank (migrations/021_state_before_any_call.sql reads it).
 */
const BEFORE_ANY_CALL = '∅';

/**
 * A conversation as an example of the state it ends in: the customer's turns and the tool calls
 * made so far (`name(arguments) → result`), in order, one per line, or BEFORE_ANY_CALL after the
 * customer's turns when there was none. The agent's words are left out, as from examples written by
 * hand: they read alike in every state. Retrieval embeds an example into the entry's centroid, so
 * the tools already called become part of what the state sounds like. Empty when the conversation
 * has neither customer words nor calls.
 */
export function exampleText(messages: ChatMessage[]): string {
  const lines = queryPieces(messages)
    .filter((piece) => piece.speaker !== 'agent')
    .map((piece) => piece.text.trim());
  if (lines.length === 0) return '';
  return (toolEvents(messages).length === 0 ? [...lines, BEFORE_ANY_CALL] : lines).join('\n');
}
