import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { sendError } from '../error-handler.js';

/**
 * Unknown paths get 404 and known paths with the wrong method get 405 with an Allow header, both in
 * the usual error shape. Fastify answers 404 for both, so a shadow router remembers every route.
 */
export function installNotFound(app: FastifyInstance): void {
  const known = FindMyWay();
  app.addHook('onRoute', (route) => {
    // CORS preflights answer OPTIONS on every path; that makes no path "known".
    if (route.url === '*') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      known.on(method.toUpperCase() as HTTPMethod, route.url, () => undefined, { url: route.url });
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter(
      (method) => method !== request.method && known.find(method as HTTPMethod, path) !== null,
    );
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendError(reply, request, {
        status: 405,
        code: 'method_not_allowed',
        message: `method ${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
      });
    }
    return sendError(reply, request, { status: 404, code: 'not_found', message: `no route ${request.method} ${path}` });
  });
}
