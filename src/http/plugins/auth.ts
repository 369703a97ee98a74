import type { FastifyInstance } from 'fastify';
import type { ApiKeys } from '../../auth/api-keys.js';
import type { Principal } from '../../auth/principal.js';
import { UnauthorizedError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, metrics, docs). */
    public?: boolean;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every route needs `Authorization: Bearer <key>` unless its config says `public: true`. */
export function installAuth(app: FastifyInstance, keys: ApiKeys): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    // Unmatched routes fall through to the 404/405 handler, which reveals nothing.
    if (request.routeOptions.url === undefined || request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    if (header === undefined) throw new UnauthorizedError();
    const match = BEARER.exec(header);
    if (match === null) throw new UnauthorizedError('the Authorization header must be "Bearer <key>"');
    request.principal = await keys.authenticate(match[1]!);
  });
}
