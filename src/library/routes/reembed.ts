import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { ReembedJobs } from '../reembed-jobs.js';
import { ReembedBody, ReembedJobRef } from './reembed-schemas.js';

/** Moving a library to another embedder, under /v1/libraries/:id. */
export const reembedRoutes = (jobs: ReembedJobs): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/reembed',
    {
      config: { roles: ['admin', 'teacher'], action: 're-embed libraries' },
      schema: {
        operationId: 'startReembed',
        tags: ['libraries'],
        summary: "Switch the library's embedder: re-embeds every entry in the background (admin, teacher)",
        description:
          'Search keeps using the current embedder until every entry has vectors of the new one; then the library switches ' +
          'in one transaction and the old vectors are deleted. Follow progress with GET on the same path.',
        body: ReembedBody,
        response: {
          202: json('The job, queued; the worker starts it at once', ReembedJobRef),
          ...errorResponses({ 409: 'The library already uses this embedder, or already has a pending or running job' }),
        },
      },
    },
    async (request, reply) => {
      reply.code(202);
      return jobs.request(request.library, request.body.embedder, request.principal.keyId);
    },
  );

  app.get(
    '/reembed',
    {
      schema: {
        operationId: 'getReembed',
        tags: ['libraries'],
        summary: "The library's latest re-embed job, with progress",
        response: { 200: json('The latest job, with its progress', ReembedJobRef), ...errorResponses({ 404: 'No such library (or out of scope), or it was never re-embedded' }) },
      },
    },
    async (request) => jobs.latest(request.library),
  );
};
