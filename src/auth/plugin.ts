import type { FastifyRequest, onRouteHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../errors.js';
import { ApiKeys } from './api-keys.js';
import { requireRole, type Principal, type Role } from './principal.js';
import { keyRoutes } from './routes/keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Reachable without an API key (health, metrics, docs). */
    public?: boolean;
    /** The roles whose keys may call the route; any role when absent. */
    roles?: readonly Role[];
    /** What the roles guard, for the 403: "a student key cannot <action>". */
    action?: string;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

// Keys are made through the API with an admin key, so without one the service is unusable.
const NO_ADMIN_KEY =
  'no admin API key exists and COACH_ADMIN_KEY is not set, so every route except health, metrics and docs answers 401: ' +
  'set COACH_ADMIN_KEY to a secret of at least 16 characters (e.g. the output of `openssl rand -hex 32`) in the environment or in .env, ' +
  'restart, and create the other keys with POST /v1/keys';

const rolesNameTheirAction: onRouteHookHandler = (route) => {
  if (route.config?.roles !== undefined && route.config.action === undefined) {
    throw new Error(`${route.method} ${route.url} declares roles without the action they guard`);
  }
};

/** After validation and before the handler, so a bad request is a 400 and a forbidden one a 403 before any 404. */
async function authorize(request: FastifyRequest): Promise<void> {
  const { roles, action } = request.routeOptions.config;
  if (roles !== undefined) requireRole(request.principal, roles, action!);
}

/**
 * API keys: every route needs `Authorization: Bearer <key>` unless its config says `public: true`,
 * and a route whose config lists `roles` refuses other keys. COACH_ADMIN_KEY is made a valid
 * admin key at start-up.
 */
export default fp(
  async (app) => {
    const keys = new ApiKeys(app.db);
    const { adminKey } = app.config.auth;
    if (adminKey !== undefined) await keys.bootstrapAdmin(adminKey);
    else if (!(await keys.anyAdmin())) app.log.warn(NO_ADMIN_KEY);

    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRoute', rolesNameTheirAction);
    app.addHook('onRequest', async (request) => {
      // Unmatched routes fall through to the 404/405 handler, which reveals nothing.
      if (request.routeOptions.url === undefined || request.routeOptions.config.public === true) return;
      const header = request.headers.authorization;
      if (header === undefined) throw new UnauthorizedError();
      const match = BEARER.exec(header);
      if (match === null) throw new UnauthorizedError('the Authorization header must be "Bearer <key>"');
      request.principal = await keys.authenticate(match[1]!);
    });
    app.addHook('preHandler', authorize);
    await app.register(keyRoutes(keys));
  },
  { name: 'auth', dependencies: ['core', 'http'], decorators: { fastify: ['db', 'config'] } },
);
