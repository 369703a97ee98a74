import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../auth/principal.js';
import { errorResponses } from '../../http/schemas.js';
import type { GuidanceStore } from '../../library/guidance-store.js';
import type { Libraries } from '../../library/libraries.js';
import { EntryParams, GuidanceWriteResult } from '../../library/routes/guidance-schemas.js';
import type { TeacherJobs } from '../jobs.js';
import { EvidenceList, ReviewBody } from './teach-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** What people need to judge an entry a teacher job wrote, and their verdict on it. */
export function reviewRoutes(app: FastifyInstance, libraries: Libraries, store: GuidanceStore, jobs: TeacherJobs): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/v1/libraries/:id/guidance/:gid/evidence',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Why teacher jobs wrote or changed this entry: replies, verdicts, re-test and policy check (admin, teacher)',
        params: EntryParams,
        response: { 200: EvidenceList, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'read evidence');
      return { items: await jobs.evidence(request.principal, request.params.id, request.params.gid) };
    },
  );

  api.post(
    '/v1/libraries/:id/guidance/:gid/review',
    {
      schema: {
        tags: ['teacher'],
        summary: 'Approve or reject an entry, with a required reason (admin, teacher)',
        params: EntryParams,
        body: ReviewBody,
        response: { 200: GuidanceWriteResult, ...errorResponses(409) },
      },
    },
    async (request) => {
      requireRole(request.principal, teachers, 'review guidance');
      const library = await libraries.get(request.principal, request.params.id);
      const status = request.body.decision === 'approve' ? 'approved' : 'retired';
      return store.update(library, request.params.gid, { status }, { keyId: request.principal.keyId, reason: `${request.body.decision}: ${request.body.reason}` });
    },
  );
}
