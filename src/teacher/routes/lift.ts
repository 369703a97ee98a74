import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import { EntryParams } from '../../library/routes/guidance-schemas.js';
import type { LiftRecords } from '../lift-records.js';
import { LiftByModelQuery, LiftList } from './lift-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** Measured lift per student model, under /v1/libraries/:id. */
export const liftRoutes = (records: LiftRecords): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/guidance/lift',
    {
      config: { roles: teachers, action: 'read evidence' },
      schema: {
        operationId: 'listGuidanceByLift',
        tags: ['teacher'],
        summary: "Entries by their latest measured lift for one student model, highest first (admin, teacher)",
        querystring: LiftByModelQuery,
        response: { 200: json('The latest measurement of each entry measured on that model', LiftList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await records.byModel(request.library.id, request.query.student_model, request.query.limit) }),
  );

  app.get(
    '/guidance/:gid/lift',
    {
      config: { roles: teachers, action: 'read evidence' },
      schema: {
        operationId: 'listEntryLift',
        tags: ['teacher'],
        summary: 'Every lift measurement of an entry and its revisions, on every student model, newest first (admin, teacher)',
        params: EntryParams,
        response: { 200: json("The entry's measurements", LiftList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await records.ofEntry(request.library.id, request.params.gid) }),
  );
};
