import { PollingLoop } from '../background/polling-loop.js';
import type { WebhooksConfig } from '../config/webhooks.js';
import type { Db } from '../db/db.js';
import type { Log } from '../logger.js';
import { signature } from './signature.js';

interface Due {
  id: string;
  attempts: number;
  url: string;
  secret: string;
  event_id: string;
  type: string;
  library_id: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

const BATCH = 20;
const MAX_BACKOFF_MS = 3_600_000;

/** The wait before attempt `attempt + 1`: doubling from the base, capped, with jitter so a failed receiver is not hit in step. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Delivers due webhook deliveries from the outbox: a POST of the event, signed, answered 2xx or
 * retried with backoff until WEBHOOK_MAX_ATTEMPTS. Claims push next_attempt_at past the attempt's
 * timeout, so instances never deliver the same attempt twice and a crashed one's claim lapses.
 * Delivery is at least once: receivers dedupe by the webhook-id header (the event id).
 */
export class DeliveryWorker {
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Db,
    private readonly log: Log,
    private readonly config: WebhooksConfig,
  ) {
    this.loop = new PollingLoop(() => this.pass(), log, { name: 'webhook delivery', idleMs: 1_000, errorBackoffMs: 5_000 });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<boolean> {
    const due = await this.db.query<Due>(
      `UPDATE webhook_deliveries d SET next_attempt_at = now() + $2 * interval '1 millisecond', attempts = d.attempts + 1
       FROM webhooks w, webhook_events e
       WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         AND w.id = d.webhook_id AND e.id = d.event_id
       RETURNING d.id::text, d.attempts, w.url, w.secret, e.id AS event_id, e.type, e.library_id, e.payload, e.created_at`,
      [BATCH, this.config.timeoutMs * 2],
    );
    await Promise.all(due.map((delivery) => this.deliver(delivery)));
    return due.length === BATCH;
  }

  private async deliver(delivery: Due): Promise<void> {
    const body = JSON.stringify({
      id: delivery.event_id,
      type: delivery.type,
      library_id: delivery.library_id,
      created_at: delivery.created_at,
      data: delivery.payload,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Coach-Webhooks/1',
          'webhook-id': delivery.event_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature(delivery.secret, delivery.event_id, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `answered ${response.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (err as Error).message;
    }
    await this.record(delivery, status, error);
  }

  private async record(delivery: Due, status: number | null, error: string | null): Promise<void> {
    if (error === null) {
      await this.db.query(`UPDATE webhook_deliveries SET status = 'delivered', response_status = $2, error = NULL, delivered_at = now() WHERE id = $1`, [
        delivery.id,
        status,
      ]);
      return;
    }
    const givingUp = delivery.attempts >= this.config.maxAttempts;
    if (givingUp) this.log.warn({ delivery: delivery.id, url: delivery.url, error }, 'webhook delivery failed for good');
    await this.db.query(
      `UPDATE webhook_deliveries SET status = $2, response_status = $3, error = $4, next_attempt_at = now() + $5 * interval '1 millisecond' WHERE id = $1`,
      [delivery.id, givingUp ? 'failed' : 'pending', status, error, retryDelayMs(delivery.attempts, this.config.retryBaseMs)],
    );
  }
}
