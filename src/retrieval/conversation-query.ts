import type { ChatMessage } from '../messages.js';
import type { Embedder } from './embedder.js';
import { contentTokens } from './local-embedder.js';
import { salientFacts, toolEvents, type ToolEvent } from './tool-state.js';

/**
 * Turns a conversation into what retrieval needs: weighted text pieces for one query vector,
 * a term list for the full-text query, and a readable summary of what was searched for.
 */

export interface QueryPiece {
  /** tool: a call the agent made, with its salient arguments and result. */
  speaker: 'customer' | 'agent' | 'tool';
  text: string;
  weight: number;
}

export interface QueryWeighting {
  /** Weight factor per later customer message of full substance: recent turns describe the current state. */
  recencyDecay: number;
  /** Agent turns mostly ask for details or echo the customer, so they count for less. */
  agentWeight: number;
  /** A turn reaches full weight at this many content words; "ok", names and IDs stay light. */
  fullWeightContentWords: number;
  /**
   * A tool call with its result says what has happened ("status: delivered") in few words, so it
   * gets a fixed weight rather than one by word count. Not tuned: ABCD has no tools.
   */
  toolWeight: number;
}

// From ABCD k-fold sweeps (scripts/eval/tune-abcd.ts). ABCD has one intent per conversation, so recency
// can only cost there; 0.85 (weight halves after ~4 substantive customer turns) costs 0.01 acc@1 on whole
// dialogues versus none, 0.5 costs 0.05. Counting all turns alike (full weight at 2 words) costs 0.05–0.07.
export const DEFAULT_WEIGHTING: QueryWeighting = { recencyDecay: 0.85, agentWeight: 0.3, fullWeightContentWords: 8, toolWeight: 0.5 };

/** Bounds the OR-query: beyond this, extra terms mostly add noise and cost. */
export const MAX_FULL_TEXT_TERMS = 24;

/** A tool call as a query piece, `name(salient arguments) → salient result`: every word in it is state. */
function toolPieceText(event: ToolEvent): string {
  const call = `${event.name}(${salientFacts(event.arguments).join(', ')})`;
  const result = event.result === null ? [] : salientFacts(event.result);
  return result.length === 0 ? call : `${call} → ${result.join('; ')}`;
}

/**
 * Customer, agent and tool pieces with their weights, oldest first. System messages describe the
 * deployment, not the customer's situation; tool results count through the call they answer; turns
 * without content words (greetings, thanks, "how can I help you?") get no piece at all.
 */
export function queryPieces(messages: ChatMessage[], weighting: QueryWeighting = DEFAULT_WEIGHTING): QueryPiece[] {
  const toolsByMessage = new Map<number, ToolEvent[]>();
  for (const event of toolEvents(messages)) toolsByMessage.set(event.index, [...(toolsByMessage.get(event.index) ?? []), event]);
  const pieces: QueryPiece[] = [];
  let laterCustomerSubstance = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    const recency = weighting.recencyDecay ** laterCustomerSubstance;
    // Pushed before the message's own text: the list is reversed at the end, and calls follow the words.
    for (const event of (toolsByMessage.get(i) ?? []).reverse()) {
      const text = toolPieceText(event);
      if (contentTokens(text).length > 0) pieces.push({ speaker: 'tool', text, weight: weighting.toolWeight * recency });
    }
    const speaker = message.role === 'user' ? 'customer' : 'agent';
    const substance = Math.min(1, contentTokens(message.content ?? '').length / weighting.fullWeightContentWords);
    if (substance > 0) {
      const roleWeight = speaker === 'customer' ? 1 : weighting.agentWeight;
      pieces.push({ speaker, text: message.content!, weight: roleWeight * substance * recency });
    }
    // A later "ok" or a bare name should not age the turn that stated the problem.
    if (speaker === 'customer') laterCustomerSubstance += substance;
  }
  return pieces.reverse();
}

/** Weighted sum of the pieces' unit vectors, renormalised; the zero vector when there is nothing to search for. */
export async function queryVector(embedder: Embedder, pieces: QueryPiece[]): Promise<number[]> {
  const sum = new Array<number>(embedder.dimension).fill(0);
  if (pieces.length === 0) return sum;
  const vectors = await embedder.embed(pieces.map((piece) => piece.text));
  vectors.forEach((vector, p) => {
    const weight = pieces[p]!.weight;
    for (let i = 0; i < sum.length; i++) sum[i]! += weight * vector[i]!;
  });
  const norm = Math.sqrt(sum.reduce((acc, value) => acc + value * value, 0));
  return norm > 0 ? sum.map((value) => value / norm) : sum;
}

/**
 * Distinct content words for the OR full-text query, from the customer's turns and the tool calls
 * (agent questions read like every guidance text), heaviest pieces first, capped at MAX_FULL_TEXT_TERMS.
 */
export function fullTextTerms(pieces: QueryPiece[]): string[] {
  const terms = new Set<string>();
  const searched = pieces.filter((piece) => piece.speaker !== 'agent').sort((a, b) => b.weight - a.weight);
  for (const piece of searched) {
    for (const token of contentTokens(piece.text)) {
      if (terms.size >= MAX_FULL_TEXT_TERMS) return [...terms];
      terms.add(token);
    }
  }
  return [...terms];
}

/** The pieces that shaped the query, in conversation order, for the API response. */
export function describeQuery(pieces: QueryPiece[]): string {
  const heaviest = Math.max(0, ...pieces.map((piece) => piece.weight));
  // Pieces under a quarter of the heaviest barely move the vector; listing them would mislead.
  return pieces
    .filter((piece) => piece.weight >= heaviest / 4)
    .map((piece) => `${piece.speaker}: ${piece.text.trim()}`)
    .join(' | ');
}

export interface ConversationQuery {
  pieces: QueryPiece[];
  vector: number[];
  terms: string[];
  query: string;
}

export async function buildConversationQuery(
  messages: ChatMessage[],
  embedder: Embedder,
  weighting: QueryWeighting = DEFAULT_WEIGHTING,
): Promise<ConversationQuery> {
  const pieces = queryPieces(messages, weighting);
  return {
    pieces,
    vector: await queryVector(embedder, pieces),
    terms: fullTextTerms(pieces),
    query: describeQuery(pieces),
  };
}
