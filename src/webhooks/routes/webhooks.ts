import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { Webhooks } from '../webhooks.js';
import { CreatedWebhookView, DeliveriesQuery, DeliveryView, WebhookBody, WebhookParams, WebhookView } from './webhook-schemas.js';

const ADMIN = { roles: ['admin'] as const, action: 'manage webhooks' };

/** A library's webhooks and their delivery log, under /v1/libraries/:id (admin keys). */
export const webhookRoutes = (webhooks: Webhooks): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/webhooks',
    {
      config: ADMIN,
      schema: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events of the library (admin)',
        description:
          'Each event is POSTed as JSON {id, type, library_id, created_at, data} with the Standard Webhooks headers webhook-id, ' +
          'webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" with the secret). ' +
          'A non-2xx answer or no answer within WEBHOOK_TIMEOUT_MS is retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS.',
        body: WebhookBody,
        response: { 201: json('The webhook, with its signing secret (shown only now)', CreatedWebhookView), ...errorResponses() },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return webhooks.create(request.library, request.body);
    },
  );

  app.get(
    '/webhooks',
    {
      config: ADMIN,
      schema: {
        operationId: 'listWebhooks',
        tags: ['webhooks'],
        summary: "The library's webhooks (admin)",
        response: { 200: json('Oldest first; secrets are not shown', Type.Object({ webhooks: Type.Array(WebhookView) })), ...errorResponses() },
      },
    },
    async (request) => ({ webhooks: await webhooks.list(request.library) }),
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      config: ADMIN,
      schema: {
        operationId: 'deleteWebhook',
        tags: ['webhooks'],
        summary: 'Unsubscribe (admin); undelivered events are dropped with it',
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses({ 404: 'No such library or webhook (or out of scope)' }) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.library, request.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: ADMIN,
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: "The webhook's delivery log, newest first (admin)",
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: json('Each event sent or to be sent, with its last attempt', Type.Object({ deliveries: Type.Array(DeliveryView) })), ...errorResponses({ 404: 'No such library or webhook (or out of scope)' }) },
      },
    },
    async (request) => ({ deliveries: await webhooks.deliveries(request.library, request.params.webhookId, request.query.limit) }),
  );
};
