import { Type, type Static } from 'typebox';
import { Nullable, oneOf, OpenObject, Timestamp, Uuid } from '../../http/schemas.js';
import { WEBHOOK_EVENTS } from '../events.js';

const EventType = oneOf(WEBHOOK_EVENTS, {
  description: 'entry.status_changed (draft/approved/retired), job.finished (teacher or re-embed job done, partial, failed or cancelled), entry.needs_review (a policy edit changed a clause the entry quotes)',
});

export const WebhookBody = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2_000, description: 'Receives a POST per event' }),
    events: Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, description: 'The events to receive' }),
  },
  { additionalProperties: false, examples: [{ url: 'https://hooks.example.com/coach', events: ['entry.status_changed', 'job.finished'] }] },
);
export type WebhookBody = Static<typeof WebhookBody>;

const WebhookFields = {
  id: Uuid,
  library_id: Uuid,
  url: Type.String(),
  events: Type.Array(EventType),
  created_at: Timestamp,
};

export const WebhookView = Type.Object(WebhookFields, {
  examples: [{ id: '0b6f6a7e-5d3c-4d0e-9a43-1f2a3b4c5d6e', library_id: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6', url: 'https://hooks.example.com/coach', events: ['job.finished'], created_at: '2026-12-01T12:00:00.000Z' }],
});

export const CreatedWebhookView = Type.Object(
  {
    ...WebhookFields,
    secret: Type.String({ description: 'The HMAC-SHA256 key of the webhook-signature header (Standard Webhooks); shown only now' }),
  },
  {
    examples: [
      {
        id: '0b6f6a7e-5d3c-4d0e-9a43-1f2a3b4c5d6e',
        library_id: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
        url: 'https://hooks.example.com/coach',
        events: ['job.finished'],
        created_at: '2026-12-01T12:00:00.000Z',
        secret: 'whsec_k3Jb0m1T2m9oQ4yR8wZx5vN7cA6dE2fG',
      },
    ],
  },
);

export const WebhookParams = Type.Object({ id: Uuid, webhookId: Uuid });
export type WebhookParams = Static<typeof WebhookParams>;

export const DeliveriesQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false });
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;

export const DeliveryView = Type.Object(
  {
    id: Type.String({ description: 'Delivery id' }),
    event_id: Type.String({ format: 'uuid', description: 'Sent as webhook-id; the same on every retry' }),
    event_type: EventType,
    payload: OpenObject({ description: 'The event data (the body’s data field)' }),
    status: oneOf(['pending', 'delivered', 'failed'] as const, { description: 'pending (next attempt due at next_attempt_at), delivered (a 2xx answer), failed (WEBHOOK_MAX_ATTEMPTS used)' }),
    attempts: Type.Integer(),
    next_attempt_at: Nullable(Timestamp),
    response_status: Nullable(Type.Integer({ description: "The receiver's HTTP status of the last attempt" })),
    error: Nullable(Type.String({ description: 'Why the last attempt failed' })),
    delivered_at: Nullable(Timestamp),
    created_at: Timestamp,
  },
  {
    examples: [
      {
        id: '42',
        event_id: '5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        event_type: 'job.finished',
        payload: { job_id: '6b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e', kind: 'teacher', status: 'done', error: null },
        status: 'delivered',
        attempts: 2,
        next_attempt_at: null,
        response_status: 200,
        error: null,
        delivered_at: '2026-12-01T12:00:07.000Z',
        created_at: '2026-12-01T12:00:00.000Z',
      },
    ],
  },
);
