import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
import { DeliveryWorker } from './delivery-worker.js';
import { webhookRoutes } from './routes/webhooks.js';
import { Webhooks } from './webhooks.js';

/** Webhooks: subscriptions per library, and a worker delivering the outbox's events, signed and retried. */
export default fp(
  async (app) => {
    const worker = new DeliveryWorker(app.db, app.log, app.config.webhooks);
    await app.register(libraryScope, { routes: webhookRoutes(new Webhooks(app.db)) });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  },
  { name: 'webhooks', dependencies: ['core', 'auth'], decorators: { fastify: ['db', 'config', 'libraries'] } },
);
