import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Readiness } from '../../db/readiness.js';
import { ErrorRef } from '../../http/schemas.js';

export function healthRoutes(app: FastifyInstance, readiness: Readiness): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/healthz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  api.get(
    '/readyz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers and every migration is applied',
        security: [],
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
            migrations: Type.Integer(),
          }),
          503: ErrorRef,
        },
      },
    },
    async () => readiness.check(),
  );
}
