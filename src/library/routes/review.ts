import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { page } from '../../http/paging.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { PolicyFlags } from '../policy-flags.js';
import { REVIEW_KINDS, type ReviewQueue } from '../review-queue.js';
import { EntryParams } from './guidance-schemas.js';
import { PolicyFlagList, ResolveFlagsBody } from './policy-flag-schemas.js';
import { ReviewQueuePage, ReviewQueueQuery } from './review-queue-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** What waits for a person in a library, and the policy flags on its entries, under /v1/libraries/:id. */
export const reviewQueueRoutes = (queue: ReviewQueue, flags: PolicyFlags): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/review-queue',
    {
      config: { roles: teachers, action: 'read the review queue' },
      schema: {
        operationId: 'listReviewQueue',
        tags: ['guidance'],
        summary: 'Entries waiting for review, each with its kind and an evidence summary, oldest first (admin, teacher)',
        description:
          'kind draft: a draft waiting for approval (POST …/review); needs_review: an entry quoting policy clauses an edit changed or removed ' +
          '(edit its policy_refs, retire it, or POST …/policy-flags/resolve); pending_revision: a revision of an entry waiting for approval ' +
          '(POST …/guidance/{gid}/revisions/{rid}/approve or reject). An entry that is more than one appears once per kind.',
        querystring: ReviewQueueQuery,
        response: { 200: json('A page of the queue and its total', ReviewQueuePage), ...errorResponses() },
      },
    },
    async (request) => {
      const { kind, limit, offset } = request.query;
      return page(await queue.list(request.library.id, kind === undefined ? REVIEW_KINDS : [kind], limit, offset), offset, (item) => item);
    },
  );

  app.get(
    '/guidance/:gid/policy-flags',
    {
      schema: {
        operationId: 'listPolicyFlags',
        tags: ['guidance'],
        summary: "The entry's open policy flags: quoted text, old and new clause",
        params: EntryParams,
        response: { 200: json('The open flags, oldest first (none: an empty list)', PolicyFlagList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await flags.openFlags(request.library.id, request.params.gid) }),
  );

  app.post(
    '/guidance/:gid/policy-flags/resolve',
    {
      config: { roles: teachers, action: 'resolve policy flags' },
      schema: {
        operationId: 'resolvePolicyFlags',
        tags: ['guidance'],
        summary: 'Keep the entry as it is under the new policy: closes its open flags, with a reason (admin, teacher)',
        params: EntryParams,
        body: ResolveFlagsBody,
        response: { 200: json('The flags it closed', PolicyFlagList), ...errorResponses({ 404: 'No such entry, or it has no open flag' }) },
      },
    },
    async (request) => ({ items: await flags.resolve(request.library.id, request.params.gid, request.principal.keyId, request.body.reason) }),
  );
};
