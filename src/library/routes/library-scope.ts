import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { IdParams } from '../../http/schemas.js';
import type { Library } from '../types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Under /v1/libraries/:id: the library, which exists and which the caller's key may use. */
    library: Library;
  }
}

const LIBRARY_PATH = '/v1/libraries/:id';

/**
 * Registers `routes` under /v1/libraries/:id, where every handler finds the library in
 * request.library. It is looked up once, after the role check (so a forbidden request is a 403
 * before it can be a 404), and is a 404 when absent or outside the key's libraries. A route that
 * declares no path parameters gets the library id's.
 */
export const libraryScope: FastifyPluginAsync<{ routes: FastifyPluginAsyncTypebox }> = async (scope, { routes }) => {
  scope.decorateRequest('library', null as unknown as Library);
  scope.addHook('onRoute', (route) => {
    if (route.schema?.params === undefined) route.schema = { ...route.schema, params: IdParams };
  });
  scope.addHook('preHandler', async (request) => {
    request.library = await scope.libraries.get(request.principal, (request.params as IdParams).id);
  });
  await scope.register(routes, { prefix: LIBRARY_PATH });
};
