import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Readiness } from '../../db/readiness.js';
import { ErrorRef, json } from '../../http/schemas.js';

export const healthRoutes = (readiness: Readiness): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true, rateLimit: false },
      logLevel: 'warn',
      schema: {
        operationId: 'getLiveness',
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        security: [],
        response: { 200: json('The process is up', Type.Object({ status: Type.Literal('ok') })) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true, rateLimit: false },
      logLevel: 'warn',
      schema: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Readiness: the database answers and every migration is applied',
        security: [],
        response: {
          200: json(
            'Ready for traffic',
            Type.Object({
              status: Type.Literal('ready'),
              database: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')]),
              migrations: Type.Integer(),
            }),
          ),
          503: json('Not ready: the database does not answer, or migrations are pending (details say which)', ErrorRef),
        },
      },
    },
    async () => readiness.check(),
  );
};
