/**
 * ABCD retrieval benchmark data: guidance docs become library entries, dev conversations become
 * queries at several checkpoints, and k-fold splits lend training-fold opening turns to entries as
 * examples. The data stays where it is (see /work/shared/data/README.md); only the path is passed in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/cli.js';
import type { TextMessage } from '../../src/messages.js';

export interface GuidanceDoc {
  intent: string;
  title: string;
  flow_description: string;
  text: string;
}

export interface AbcdTurn {
  speaker: 'agent' | 'customer' | 'action';
  text: string;
  /** On action turns: the dashboard button that produced the text. */
  button?: string;
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
export function conversationPrefix(conversation: AbcdConversation, checkpoint: Checkpoint): TextMessage[] {
  const messages: TextMessage[] = [];
  let customerMessages = 0;
  for (const turn of conversation.turns) {
    if (turn.speaker === 'action') continue;
    messages.push({ role: turn.speaker === 'customer' ? 'user' : 'assistant', content: turn.text });
    if (turn.speaker === 'customer') customerMessages++;
    if (customerMessages === checkpoint) break;
  }
  return messages;
}

/** FNV-1a of the uid: an order of conversations that depends on neither the file nor the fold. */
export function uidHash(uid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) hash = Math.imul(hash ^ uid.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Deterministic fold from the uid, so splits do not depend on file order. */
export function foldOf(uid: string, folds: number): number {
  return uidHash(uid) % folds;
}

/**
 * A training conversation as examples of its intent: its opening customer messages joined, first
 * one, then two, then three, each an example, as a query sees the conversation after customer
 * turns 1, 2 and 3. On dev 5-fold CV this beat the first two messages as one example by 1–4
 * points of acc@1, and all of its customer messages as one example by 2 (turn 3).
 */
export function openingPrefixes(conversation: AbcdConversation, upTo = 3): string[] {
  const customer = conversation.turns.filter((turn) => turn.speaker === 'customer').map((turn) => turn.text);
  const prefixes: string[] = [];
  for (let count = 1; count <= Math.min(upTo, customer.length); count++) prefixes.push(customer.slice(0, count).join(' '));
  return prefixes.filter((prefix) => prefix.trim().length > 0);
}

export function exemplarsByIntent(training: AbcdConversation[]): Map<string, string[]> {
  const byIntent = new Map<string, string[]>();
  for (const conversation of training) byIntent.set(conversation.intent, [...(byIntent.get(conversation.intent) ?? []), ...openingPrefixes(conversation)]);
  return byIntent;
}
