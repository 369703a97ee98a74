import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireRole } from '../../auth/principal.js';
import { ForbiddenError } from '../../errors.js';
import type { Libraries, LibraryInput, LibraryPatch } from '../../library/libraries.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';

const LibraryView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    policy: Type.String({ description: "The firm's policy; authoritative over any guidance" }),
    embedder: Type.String({ description: 'Embedder of the searchable vectors, e.g. local:hash-v1-512' }),
    embedding_dim: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Library' },
);

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const LibraryBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    policy: Type.Optional(Type.String({ maxLength: 1_000_000 })),
    embedder: Type.Optional(Type.String({ description: 'Defaults to the service embedder (EMBEDDER)' })),
  },
  { additionalProperties: false },
);
const LibraryPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    policy: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function libraryRoutes(app: FastifyInstance, libraries: Libraries): void {
  app.addSchema(LibraryView);
  const LibraryRef = Type.Ref('Library');

  app.post<{ Body: LibraryInput }>(
    '/v1/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Create a library (admin, or a teacher key not limited to libraries)',
        body: LibraryBody,
        response: { 201: LibraryRef, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin', 'teacher'], 'create libraries');
      if (request.principal.libraryIds !== null) throw new ForbiddenError('a key limited to some libraries cannot create libraries');
      reply.code(201);
      return libraries.create(request.body);
    },
  );

  app.get(
    '/v1/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List the libraries this key may use',
        response: { 200: Type.Object({ items: Type.Array(LibraryRef) }), ...errorResponses() },
      },
    },
    async (request) => ({ items: await libraries.list(request.principal) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/libraries/:id',
    {
      schema: { tags: ['libraries'], summary: 'Get a library', params: IdParams, response: { 200: LibraryRef, ...errorResponses() } },
    },
    async (request) => libraries.get(request.principal, request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: LibraryPatch }>(
    '/v1/libraries/:id',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Change name, description or policy (admin, teacher)',
        params: IdParams,
        body: LibraryPatchBody,
        response: { 200: LibraryRef, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin', 'teacher'], 'change libraries');
      return libraries.update(request.principal, request.params.id, request.body);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/libraries/:id',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Delete a library and all its guidance (admin)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses() },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin'], 'delete libraries');
      await libraries.delete(request.principal, request.params.id);
      return reply.code(204).send();
    },
  );
}
