import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db.js';
import { NotFoundError } from '../errors.js';
import type { Library } from '../library/types.js';
import type { WebhookEvent } from './events.js';

export interface Webhook {
  id: string;
  library_id: string;
  url: string;
  events: WebhookEvent[];
  created_at: Date;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: WebhookEvent;
  payload: Record<string, unknown>;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date | null;
  response_status: number | null;
  error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, library_id, url, events, created_at';

/** A library's webhook subscriptions and their delivery log. */
export class Webhooks {
  constructor(private readonly db: Db) {}

  /** The secret is returned here only: deliveries are signed with it. */
  async create(library: Library, input: { url: string; events: WebhookEvent[] }): Promise<Webhook & { secret: string }> {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const [row] = await this.db.query<Webhook>(`INSERT INTO webhooks (library_id, url, secret, events) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`, [
      library.id,
      input.url,
      secret,
      [...new Set(input.events)],
    ]);
    return { ...row!, secret };
  }

  async list(library: Library): Promise<Webhook[]> {
    return this.db.query<Webhook>(`SELECT ${COLUMNS} FROM webhooks WHERE library_id = $1 ORDER BY created_at, id`, [library.id]);
  }

  /** Its pending deliveries go with it. */
  async remove(library: Library, id: string): Promise<void> {
    const rows = await this.db.query('DELETE FROM webhooks WHERE library_id = $1 AND id = $2 RETURNING id', [library.id, id]);
    if (rows.length === 0) throw new NotFoundError('webhook', id);
  }

  /** Newest first. */
  async deliveries(library: Library, id: string, limit: number): Promise<Delivery[]> {
    const [hook] = await this.db.query('SELECT id FROM webhooks WHERE library_id = $1 AND id = $2', [library.id, id]);
    if (hook === undefined) throw new NotFoundError('webhook', id);
    return this.db.query<Delivery>(
      `SELECT d.id::text, d.event_id, e.type AS event_type, e.payload, d.status, d.attempts,
              CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
              d.response_status, d.error, d.delivered_at, d.created_at
       FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2`,
      [id, limit],
    );
  }
}
