import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireRole } from '../../auth/principal.js';
import { REEMBED_STATUSES, type ReembedJobs } from '../../library/reembed-jobs.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';

const Timestamp = Type.String({ format: 'date-time' });
const ReembedJobView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    status: Type.Union(REEMBED_STATUSES.map((s) => Type.Literal(s)), {
      description: 'pending → running → done (library switched) or failed (library unchanged)',
    }),
    source_embedder: Type.String({ description: 'Embedder the library used when the job was requested' }),
    target_embedder: Type.String(),
    target_dim: Type.Integer(),
    done: Type.Integer({ description: 'Entries whose current content is embedded with the target embedder' }),
    total: Type.Integer({ description: 'Entries in the library (entries written during the job count too)' }),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    started_at: Type.Union([Timestamp, Type.Null()]),
    finished_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ReembedJob' },
);

const ReembedBody = Type.Object(
  {
    embedder: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'local:hash-v1-<16..2000>, or openai:<EMBEDDINGS_MODEL> when EMBEDDER=openai is configured',
    }),
  },
  { additionalProperties: false },
);

export function reembedRoutes(app: FastifyInstance, jobs: ReembedJobs): void {
  app.addSchema(ReembedJobView);
  const JobRef = Type.Ref('ReembedJob');

  app.post<{ Params: { id: string }; Body: { embedder: string } }>(
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
        response: { 202: JobRef, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin', 'teacher'], 're-embed libraries');
      reply.code(202);
      return jobs.request(request.principal, request.params.id, request.body.embedder);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/libraries/:id/reembed',
    {
      schema: {
        tags: ['libraries'],
        summary: "The library's latest re-embed job, with progress",
        params: IdParams,
        response: { 200: JobRef, ...errorResponses() },
      },
    },
    async (request) => jobs.latest(request.principal, request.params.id),
  );
}
