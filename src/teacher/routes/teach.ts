import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../auth/principal.js';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { TeacherJobs } from '../jobs.js';
import { TeachAccepted, TeachBody, TeacherJobRef, TeacherJobView } from './teach-schemas.js';

const teachers = ['admin', 'teacher'] as const;

export function teachRoutes(app: FastifyInstance, jobs: TeacherJobs): void {
  app.addSchema(TeacherJobView);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/v1/libraries/:id/teach',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Start a teacher job that writes guidance from scenarios or transcripts (admin, teacher)',
        description:
          'Per scenario: the customer simulator plays it against the student (served as in production), the teacher contrasts each ' +
          'student turn with its own reply, writes guidance for each shortfall, re-tests it on the student (refining up to `rounds` ' +
          'times), merges near-duplicates as new versions and checks the policy. Entries are drafts unless `auto_approve` and they ' +
          'passed with no policy conflict. 503 names the variable when a model role is not configured.',
        params: IdParams,
        body: TeachBody,
        response: { 202: TeachAccepted, ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, teachers, 'start teacher jobs');
      reply.code(202);
      return jobs.submit(request.principal, request.params.id, request.body);
    },
  );

  api.get(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['teacher'],
        summary: 'A teacher job: status, progress, token usage and estimated cost per role, entries, step errors (admin, teacher)',
        params: IdParams,
        response: { 200: TeacherJobRef, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'read teacher jobs');
      return jobs.get(request.principal, request.params.id);
    },
  );

  api.post(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Cancel a teacher job; entries already written stay (admin, teacher)',
        params: IdParams,
        response: { 200: TeacherJobRef, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'cancel teacher jobs');
      return jobs.cancel(request.principal, request.params.id);
    },
  );
}
