import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError } from '../errors.js';
import { CONSOLE_PREFIX, loadConsoleAssets, type Asset } from './assets.js';
import { securityHeaders } from './security-headers.js';

/**
 * The operator console: a static single-page app at /console that speaks only the public REST API
 * with the API key the operator signs in with. The pages themselves need no key (they hold no data);
 * every call they make does.
 */
export default fp(
  async (app) => {
    const assets = loadConsoleAssets();
    const headers = securityHeaders(assets.importMapHash);
    const send = (reply: FastifyReply, asset: Asset, cache: string) =>
      reply.headers({ ...headers, 'content-type': asset.type, 'cache-control': cache }).send(asset.body);
    // Static files the browser fetches without a key (it sends the key on API calls only, which are
    // limited per key): an address budget would lock out an office behind one NAT for loading a page.
    const route = { schema: { hide: true }, config: { public: true, rateLimit: false } } as const;

    // The page is never cached, so a new deployment's asset list and CSP arrive together.
    for (const url of [CONSOLE_PREFIX, `${CONSOLE_PREFIX}/`]) app.get(url, route, async (_request, reply) => send(reply, assets.index, 'no-store'));
    app.get<{ Params: { '*': string } }>(`${CONSOLE_PREFIX}/*`, route, async (request, reply) => {
      const asset = assets.files.get(request.params['*']);
      if (asset === undefined) throw new NotFoundError('console asset', request.params['*']);
      return send(reply, asset, 'no-cache');
    });
  },
  { name: 'console', dependencies: ['core', 'http', 'auth'] },
);
