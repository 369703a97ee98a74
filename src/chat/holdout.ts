import { createHash } from 'node:crypto';

/**
 * What counts as one conversation: the caller's conversation id (`conversation_id` in the body,
 * `X-Coach-Conversation-Id` on the OpenAI-compatible route), within one library; a turn sent
 * without one is a conversation of its own, keyed by its trace id. Feedback and stats group turns
 * the same way.
 */
export function conversationKey(conversationId: string | null, traceId: string): string {
  return conversationId ?? `trace:${traceId}`;
}

/**
 * Whether the hold-out withholds this entry from this conversation: a hash of both, read as a
 * number in [0, 1), below the rate. Deterministic, so every turn of a conversation sees the same
 * prompt for the entry, and independent across entries, so an entry's arms differ in nothing but
 * the entry (on average).
 */
export function withheldByHoldout(rate: number, conversation: string, entryId: string): boolean {
  if (rate <= 0) return false;
  const digest = createHash('sha256').update(`holdout\u0000${conversation}\u0000${entryId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48 < rate;
}
