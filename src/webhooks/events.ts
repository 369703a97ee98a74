import type { Queryable } from '../db/db.js';

/** What a webhook may subscribe to. */
export const WEBHOOK_EVENTS = ['entry.status_changed', 'job.finished', 'entry.needs_review'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Reports an event to the library's webhooks. Call it with the transaction that makes the change,
 * so the event is delivered exactly when the change commits (entry status changes and finished
 * jobs are reported by triggers; policy-impact flags call this).
 */
export async function enqueueWebhookEvent(tx: Queryable, libraryId: string, type: WebhookEvent, payload: Record<string, unknown>): Promise<void> {
  await tx.query('INSERT INTO webhook_events (library_id, type, payload) VALUES ($1, $2, $3::jsonb)', [libraryId, type, JSON.stringify(payload)]);
}
