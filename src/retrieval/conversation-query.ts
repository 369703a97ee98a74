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
  /** Agent turns mostly ask for details or echo the customer, so they count for less. */
  agentWeight: number;
  /**
   * A tool call with its result says what has happened ("status: delivered") in few words; the
   * calls made so far are the conversation's state.
   */
  toolWeight: number;
}

// ABCD 5-fold sweeps (scripts/eval-retrieval.ts): agent turns at a quarter weight beat leaving them
// out (+1–3 points of acc@1 from turn 3 on) and counting them at half. Every customer turn counts
// alike: a recency decay and a weight by word count both cost acc@1, a weighted sum of per-turn
// vectors 10–15 points against embedding each speaker's turns joined.
export const DEFAULT_WEIGHTING: QueryWeighting = { agentWeight: 0.25, toolWeight: 0.5 };

/** Bounds the OR-query: the heaviest terms of a long conversation say what it is about; the rest add cost. */
export const MAX_FULL_TEXT_TERMS = 48;

/** A word of the full-text query and how much it counts: its pieces' weights, once per occurrence. */
export interface QueryTerm {
  term: string;
  weight: number;
}

/** A tool call as a query piece, `name(salient arguments) → salient result`: every word in it is state. */
function toolPieceText(event: ToolEvent): string {
  const call = `${event.name}(${salientFacts(event.arguments).join(', ')})`;
  const result = event.result === null ? [] : salientFacts(event.result);
  return result.length === 0 ? call : `${call} → ${result.join('; ')}`;
}

/**
 * Customer, agent and tool pieces with their weights, in conversation order. System messages
 * describe the deployment, not the customer's situation; tool results count through the call they
 * answer; turns without content words (greetings, thanks, "how can I help you?") get no piece.
 */
export function queryPieces(messages: ChatMessage[], weighting: QueryWeighting = DEFAULT_WEIGHTING): QueryPiece[] {
  const toolsByMessage = new Map<number, ToolEvent[]>();
  for (const event of toolEvents(messages)) toolsByMessage.set(event.index, [...(toolsByMessage.get(event.index) ?? []), event]);
  const pieces: QueryPiece[] = [];
  messages.forEach((message, i) => {
    if (message.role !== 'user' && message.role !== 'assistant') return;
    const speaker = message.role === 'user' ? 'customer' : 'agent';
    if (contentTokens(message.content ?? '').length > 0) {
      pieces.push({ speaker, text: message.content!, weight: speaker === 'customer' ? 1 : weighting.agentWeight });
    }
    for (const event of toolsByMessage.get(i) ?? []) {
      const text = toolPieceText(event);
      if (contentTokens(text).length > 0) pieces.push({ speaker: 'tool', text, weight: weighting.toolWeight });
    }
  });
  return pieces;
}

/**
 * Each speaker's pieces joined into one text and embedded, the speakers' unit vectors summed by
 * weight and renormalised; the zero vector when there is nothing to search for. Joined, a turn's
 * words reinforce the others' ("refund" in one turn, "the jacket" in the next), as they do in an
 * entry's examples, which are whole customer messages too.
 */
export async function queryVector(embedder: Embedder, pieces: QueryPiece[]): Promise<number[]> {
  const sum = new Array<number>(embedder.dimension).fill(0);
  const speakers = [...new Set(pieces.map((piece) => piece.speaker))];
  if (speakers.length === 0) return sum;
  const vectors = await embedder.embed(speakers.map((speaker) => pieces.filter((p) => p.speaker === speaker).map((p) => p.text).join('\n')));
  vectors.forEach((vector, s) => {
    const weight = pieces.find((piece) => piece.speaker === speakers[s])!.weight;
    for (let i = 0; i < sum.length; i++) sum[i]! += weight * vector[i]!;
  });
  const norm = Math.sqrt(sum.reduce((acc, value) => acc + value * value, 0));
  return norm > 0 ? sum.map((value) => value / norm) : sum;
}

/**
 * Distinct content words for the OR full-text query, each weighted like the vector's pieces (a
 * word the customer says twice counts twice, an agent's word a quarter), heaviest first, capped at
 * MAX_FULL_TEXT_TERMS. Agent turns count: over a whole conversation the agent names what is being
 * done ("I have processed the refund"), which a document's words match.
 */
export function fullTextTerms(pieces: QueryPiece[]): QueryTerm[] {
  const weights = new Map<string, number>();
  for (const piece of pieces) for (const token of contentTokens(piece.text)) weights.set(token, (weights.get(token) ?? 0) + piece.weight);
  return [...weights]
    .map(([term, weight]) => ({ term, weight }))
    .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
    .slice(0, MAX_FULL_TEXT_TERMS);
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
  terms: QueryTerm[];
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
