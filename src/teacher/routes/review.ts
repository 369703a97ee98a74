import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { GuidanceStore } from '../../library/guidance-store.js';
import { EntryParams, GuidanceWriteResult } from '../../library/routes/guidance-schemas.js';
import type { TeacherJobs } from '../jobs.js';
import { EvidenceList, ReviewBody } from './teach-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** What people need to judge an entry a teacher job wrote, and their verdict on it, under /v1/libraries/:id. */
export const reviewRoutes = (store: GuidanceStore, jobs: TeacherJobs): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/guidance/:gid/evidence',
    {
      config: { roles: teachers, action: 'read evidence' },
      schema: {
        operationId: 'listGuidanceEvidence',
        tags: ['teacher'],
        summary: 'Why teacher jobs wrote or changed this entry: replies, verdicts, re-test and policy check (admin, teacher)',
        params: EntryParams,
        response: { 200: json('What each job that wrote the entry saw and decided, newest first', EvidenceList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await jobs.evidence(request.library, request.params.gid) }),
  );

  app.post(
    '/guidance/:gid/review',
    {
      config: { roles: teachers, action: 'review guidance' },
      schema: {
        operationId: 'reviewGuidance',
        tags: ['teacher'],
        summary: 'Approve or reject an entry, with a required reason (admin, teacher)',
        params: EntryParams,
        body: ReviewBody,
        response: {
          200: json('The entry, approved or retired', GuidanceWriteResult),
          ...errorResponses({ 409: 'Written concurrently (the entry, or the library switching embedders): retry' }),
        },
      },
    },
    async (request) => {
      const { decision, reason } = request.body;
      const status = decision === 'approve' ? 'approved' : 'retired';
      return store.update(request.library, request.params.gid, { status }, { keyId: request.principal.keyId, reason: `${decision}: ${reason}` });
    },
  );
};
