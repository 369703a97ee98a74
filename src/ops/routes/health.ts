import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Readiness } from '../../db/readiness.js';
import { ErrorRef } from '../../http/schemas.js';

export const healthRoutes = (readiness: Readiness): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
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

  app.get(
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
};
