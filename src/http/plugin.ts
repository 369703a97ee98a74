import { readFileSync } from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import { projectRoot } from '../project-root.js';
import { installErrorHandler } from './error-handler.js';
import { IdempotencyKeys } from './idempotency.js';
import { installInputGuards } from './input-guards.js';
import { registerLimits } from './limits.js';
import { installNotFound } from './plugins/not-found.js';
import { registerOpenApi } from './plugins/openapi.js';
import { rejectUndeclaredQuery } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    idempotency: IdempotencyKeys;
  }
}

const VERSION = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The conventions every route keeps, in place before any route is registered: one error shape,
 * input Postgres can store, no unknown query parameters, 404 and 405 told apart, the request id
 * echoed, security headers, CORS and rate limits, the OpenAPI document, and Idempotency-Key for
 * the writes that accept it.
 */
export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    installErrorHandler(app);
    await registerLimits(app, app.config.limits);
    installInputGuards(app);
    rejectUndeclaredQuery(app);
    installNotFound(app);
    await registerOpenApi(app, VERSION);
    app.decorate('idempotency', new IdempotencyKeys(app.db));
  },
  { name: 'http', dependencies: ['core'], decorators: { fastify: ['db', 'config'] } },
);
