import type { ChatMessage } from '../messages.js';
import { queryPieces } from './conversation-query.js';

/**
 * A conversation as an example of the state it ends in: the customer's turns and the tool calls
 * made so far (`name(arguments) → result`), in order, one per line. The agent's words are left out,
 * as from examples written by hand: they read alike in every state. Retrieval embeds an example
 * into the entry's centroid, so the tools already called become part of what the state sounds like.
 */
export function exampleText(messages: ChatMessage[]): string {
  return queryPieces(messages)
    .filter((piece) => piece.speaker !== 'agent')
    .map((piece) => piece.text.trim())
    .join('\n');
}
