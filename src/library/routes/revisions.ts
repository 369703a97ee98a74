import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { GuidanceRevisions } from '../guidance-revisions.js';
import { EntryParams } from './guidance-schemas.js';
import { RevisionApproved, RevisionDecisionBody, RevisionList, RevisionListQuery, RevisionParams, RevisionView } from './revision-schemas.js';

const reviewers = ['admin', 'teacher'] as const;
const DECIDED = 'The revision is no longer pending (decided, or superseded by a newer one), or the entry changed concurrently';

/** Revisions proposed for entries in service, and their review, under /v1/libraries/:id. */
export const revisionRoutes = (revisions: GuidanceRevisions): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/guidance/revisions',
    {
      config: { roles: reviewers, action: 'read guidance revisions' },
      schema: {
        operationId: 'listGuidanceRevisions',
        tags: ['guidance'],
        summary: "The library's revisions in one status, oldest first: pending ones are the review queue (admin, teacher)",
        querystring: RevisionListQuery,
        response: { 200: json('Revisions, each beside its entry as served now', RevisionList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await revisions.list(request.library.id, request.query.status ?? 'pending', request.query.limit) }),
  );

  app.get(
    '/guidance/:gid/revisions',
    {
      config: { roles: reviewers, action: 'read guidance revisions' },
      schema: {
        operationId: 'listEntryRevisions',
        tags: ['guidance'],
        summary: 'Every revision proposed for one entry, newest first (admin, teacher)',
        params: EntryParams,
        response: { 200: json("The entry's revisions", RevisionList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await revisions.ofEntry(request.library.id, request.params.gid) }),
  );

  app.post(
    '/guidance/:gid/revisions/:rid/approve',
    {
      config: { roles: reviewers, action: 'review guidance' },
      schema: {
        operationId: 'approveGuidanceRevision',
        tags: ['guidance'],
        summary: "Approve a pending revision: it becomes the entry's next version, served from now on (admin, teacher)",
        params: RevisionParams,
        body: RevisionDecisionBody,
        response: { 200: json('The entry at its new version, and the revision', RevisionApproved), ...errorResponses({ 409: DECIDED }) },
      },
    },
    async (request) =>
      revisions.approve(request.library, request.params.gid, request.params.rid, { keyId: request.principal.keyId, reason: request.body.reason }),
  );

  app.post(
    '/guidance/:gid/revisions/:rid/reject',
    {
      config: { roles: reviewers, action: 'review guidance' },
      schema: {
        operationId: 'rejectGuidanceRevision',
        tags: ['guidance'],
        summary: 'Reject a pending revision: the entry stays as it is (admin, teacher)',
        params: RevisionParams,
        body: RevisionDecisionBody,
        response: { 200: json('The rejected revision', RevisionView), ...errorResponses({ 409: DECIDED }) },
      },
    },
    async (request) => revisions.reject(request.library, request.params.gid, request.params.rid, { keyId: request.principal.keyId, reason: request.body.reason }),
  );
};
