import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../auth/principal.js';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { ReembedJobs } from '../reembed-jobs.js';
import { ReembedBody, ReembedJobRef, ReembedJobView } from './reembed-schemas.js';

export function reembedRoutes(app: FastifyInstance, jobs: ReembedJobs): void {
  app.addSchema(ReembedJobView);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/v1/libraries/:id/reembed',
    {
      schema: {
        tags: ['libraries'],
        summary: "Switch the library's embedder: re-embeds every entry in the background (admin, teacher)",
        description:
          'Search keeps using the current embedder until every entry has vectors of the new one; then the library switches ' +
          'in one transaction and the old vectors are deleted. Follow progress with GET on the same path.',
        params: IdParams,
        body: ReembedBody,
        response: { 202: ReembedJobRef, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin', 'teacher'], 're-embed libraries');
      reply.code(202);
      return jobs.request(request.principal, request.params.id, request.body.embedder);
    },
  );

  api.get(
    '/v1/libraries/:id/reembed',
    {
      schema: {
        tags: ['libraries'],
        summary: "The library's latest re-embed job, with progress",
        params: IdParams,
        response: { 200: ReembedJobRef, ...errorResponses() },
      },
    },
    async (request) => jobs.latest(request.principal, request.params.id),
  );
}
