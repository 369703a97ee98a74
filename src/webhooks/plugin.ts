import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
import { DeliveryWorker } from './delivery-worker.js';
import { enqueueWebhookEvent } from './events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { Webhooks } from './webhooks.js';

/** Webhooks: subscriptions per library, and a worker delivering the outbox's events, signed and retried. */
export default fp(
  async (app) => {
    const worker = new DeliveryWorker(app.db, app.log, app.config.webhooks);
    await app.register(libraryScope, { routes: webhookRoutes(new Webhooks(app.db)) });
    // In the policy edit's transaction, so a flag and its event commit (or roll back) together.
    app.policyFlags.onFlagged(async ({ libraryId, flags }, tx) => {
      for (const flag of flags) {
        await enqueueWebhookEvent(tx, libraryId, 'entry.needs_review', {
          entry_id: flag.entry_id,
          entry_version: flag.entry_version,
          flag_id: flag.id,
          policy_ref: flag.policy_ref,
          old_clause: flag.old_clause,
          new_clause: flag.new_clause,
        });
      }
    });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  },
  { name: 'webhooks', dependencies: ['core', 'auth'], decorators: { fastify: ['db', 'config', 'libraries', 'policyFlags'] } },
);
