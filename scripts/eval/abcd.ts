/**
 * ABCD retrieval benchmark data: guidance docs become library entries, dev conversations become
 * queries at several checkpoints, and k-fold splits lend training-fold opening turns to entries as
 * examples. The data stays where it is (see /work/shared/data/README.md); only the path is passed in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/cli.js';
import type { ChatMessage } from '../../src/messages.js';

export interface GuidanceDoc {
  intent: string;
  title: string;
  flow_description: string;
  text: string;
}

export interface AbcdTurn {
  speaker: 'agent' | 'customer' | 'action';
  text: string;
}

export interface AbcdConversation {
  uid: string;
  intent: string;
  exclude_recommended: boolean;
  turns: AbcdTurn[];
}

/** The shape a library entry has for retrieval: one scenario, one guidance, any number of examples. */
export interface EvalEntry {
  id: string;
  scenario: string;
  guidance: string;
  examples: string[];
}

/** Number of customer messages seen so far, or the whole dialogue. */
export type Checkpoint = 1 | 2 | 3 | 'whole';
export const CHECKPOINTS: readonly Checkpoint[] = [1, 2, 3, 'whole'];

export function loadAbcd(dataDir: string): { docs: GuidanceDoc[]; conversations: AbcdConversation[] } {
  return {
    docs: readJsonLines<GuidanceDoc>(join(dataDir, 'guidance_docs.jsonl')),
    conversations: readJsonLines<AbcdConversation>(join(dataDir, 'abcd_dev.jsonl')),
  };
}

/** Labelled conversations in the dev file's format, e.g. as a source of exemplars. */
export function loadConversations(path: string): AbcdConversation[] {
  return readJsonLines<AbcdConversation>(path);
}

function readJsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, number: i + 1 }))
    .filter(({ line }) => line.trim().length > 0)
    .map(({ line, number }) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new UsageError(`${path} line ${number} is not valid JSON`);
      }
    });
}

/** Records the dataset marks as unsuitable for recommendation scoring are left out everywhere. */
export function scorableConversations(conversations: AbcdConversation[]): AbcdConversation[] {
  return conversations.filter((conversation) => !conversation.exclude_recommended);
}

export function docsToEntries(docs: GuidanceDoc[], examplesByIntent: ReadonlyMap<string, string[]> = new Map()): EvalEntry[] {
  return docs.map((doc) => ({
    id: doc.intent,
    scenario: `${doc.title}: ${doc.flow_description}`,
    guidance: doc.text,
    examples: examplesByIntent.get(doc.intent) ?? [],
  }));
}

/**
 * The conversation as a chat client would send it right after the customer's `checkpoint`-th
 * message (each customer message counts, consecutive ones too). Action turns are dashboard
 * system text the customer never sees, so they are left out. Conversations with fewer customer
 * messages are returned whole, so every checkpoint scores the same set of conversations.
 */
export function conversationPrefix(conversation: AbcdConversation, checkpoint: Checkpoint): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let customerMessages = 0;
  for (const turn of conversation.turns) {
    if (turn.speaker === 'action') continue;
    messages.push({ role: turn.speaker === 'customer' ? 'user' : 'assistant', content: turn.text });
    if (turn.speaker === 'customer') customerMessages++;
    if (customerMessages === checkpoint) break;
  }
  return messages;
}

/** Deterministic fold from the uid, so splits do not depend on file order. */
export function foldOf(uid: string, folds: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) hash = Math.imul(hash ^ uid.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % folds;
}

/**
 * How training conversations become examples: the first customer message, the first two (joined
 * or as two examples), or the opening statement — the customer's messages before the agent's first reply to them.
 */
export type ExemplarMode = 'first' | 'first-two-joined' | 'first-two-separate' | 'opening-statement';

function openingStatement(conversation: AbcdConversation): string {
  const messages: string[] = [];
  for (const turn of conversation.turns) {
    if (turn.speaker === 'customer') messages.push(turn.text);
    else if (turn.speaker === 'agent' && messages.length > 0) break;
  }
  return messages.join(' ');
}

function exemplarsOf(conversation: AbcdConversation, mode: ExemplarMode): string[] {
  switch (mode) {
    case 'first':
      return openingCustomerTurns(conversation, 1);
    case 'first-two-joined':
      return [openingCustomerTurns(conversation, 2).join(' ')];
    case 'first-two-separate':
      return openingCustomerTurns(conversation, 2);
    case 'opening-statement':
      return [openingStatement(conversation)];
  }
}

export function openingCustomerTurns(conversation: AbcdConversation, count: number): string[] {
  return conversation.turns
    .filter((turn) => turn.speaker === 'customer')
    .slice(0, count)
    .map((turn) => turn.text);
}

export function exemplarsByIntent(training: AbcdConversation[], mode: ExemplarMode): Map<string, string[]> {
  const byIntent = new Map<string, string[]>();
  for (const conversation of training) {
    const examples = exemplarsOf(conversation, mode);
    const list = byIntent.get(conversation.intent) ?? [];
    list.push(...examples.filter((example) => example.trim().length > 0));
    byIntent.set(conversation.intent, list);
  }
  return byIntent;
}

/** Yields, per fold, the held-out conversations and the entries with examples from the other folds. */
export function* kFoldSplits(
  docs: GuidanceDoc[],
  conversations: AbcdConversation[],
  folds: number,
  mode: ExemplarMode,
): Generator<{ fold: number; entries: EvalEntry[]; heldOut: AbcdConversation[] }> {
  const scorable = scorableConversations(conversations);
  for (let fold = 0; fold < folds; fold++) {
    const training = scorable.filter((conversation) => foldOf(conversation.uid, folds) !== fold);
    const heldOut = scorable.filter((conversation) => foldOf(conversation.uid, folds) === fold);
    yield { fold, entries: docsToEntries(docs, exemplarsByIntent(training, mode)), heldOut };
  }
}
