import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireRole } from '../../auth/principal.js';
import { ForbiddenError } from '../../errors.js';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { Libraries } from '../libraries.js';
import { LibraryBody, LibraryList, LibraryPatchBody, LibraryRef, LibraryView } from './library-schemas.js';

export function libraryRoutes(app: FastifyInstance, libraries: Libraries): void {
  app.addSchema(LibraryView);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
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

  api.get(
    '/v1/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List the libraries this key may use',
        response: { 200: LibraryList, ...errorResponses() },
      },
    },
    async (request) => ({ items: await libraries.list(request.principal) }),
  );

  api.get(
    '/v1/libraries/:id',
    {
      schema: { tags: ['libraries'], summary: 'Get a library', params: IdParams, response: { 200: LibraryRef, ...errorResponses() } },
    },
    async (request) => libraries.get(request.principal, request.params.id),
  );

  api.patch(
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

  api.delete(
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
      return reply.code(204).send(null);
    },
  );
}
