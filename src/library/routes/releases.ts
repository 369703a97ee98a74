import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { Releases } from '../releases.js';
import type { Replay } from '../replay.js';
import {
  ReleaseBody,
  ReleaseDetail,
  ReleaseList,
  ReleaseParams,
  ReleaseRef,
  ReplayBody,
  ReplayReportView,
  RollbackBody,
  RollbackResultView,
} from './release-schemas.js';

const teachers = ['admin', 'teacher'] as const;

/** Named sets of entry versions, rolling back to one, and replaying stored conversations under two, under /v1/libraries/:id. */
export const releaseRoutes = (releases: Releases, replay: Replay): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/releases',
    {
      config: { roles: teachers, action: 'create releases' },
      schema: {
        operationId: 'createRelease',
        tags: ['libraries'],
        summary: 'Name the approved entries, at their current versions, as a release (admin, teacher)',
        body: ReleaseBody,
        response: { 201: json('The release', ReleaseRef), ...errorResponses({ 409: 'A release with this name exists in the library' }) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return releases.create(request.library, request.body.name, request.body.description ?? '', request.principal.keyId);
    },
  );

  app.get(
    '/releases',
    {
      schema: {
        operationId: 'listReleases',
        tags: ['libraries'],
        summary: "The library's releases, newest first",
        response: { 200: json('The releases (none: an empty list)', ReleaseList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await releases.list(request.library.id) }),
  );

  app.get(
    '/releases/:rid',
    {
      schema: {
        operationId: 'getRelease',
        tags: ['libraries'],
        summary: 'A release and its entry versions',
        params: ReleaseParams,
        response: { 200: json('The release with its entry versions', ReleaseDetail), ...errorResponses() },
      },
    },
    async (request) => ({
      ...(await releases.get(request.library.id, request.params.rid)),
      items: await releases.entries(request.library.id, request.params.rid),
    }),
  );

  app.post(
    '/releases/:rid/rollback',
    {
      config: { roles: teachers, action: 'roll back releases' },
      schema: {
        operationId: 'rollbackRelease',
        tags: ['libraries'],
        summary: "Make the approved entries the release's again (admin, teacher)",
        description:
          "Each entry of the release is restored to its version (a new version with that content, approved); approved entries it does not hold are retired; " +
          'drafts are left alone. Entry by entry: a rollback that fails half-way is finished by running it again.',
        params: ReleaseParams,
        body: RollbackBody,
        response: { 200: json('What the rollback did to each entry', RollbackResultView), ...errorResponses({ 409: 'An entry changed concurrently: run it again' }) },
      },
    },
    async (request) => releases.rollback(request.library, request.params.rid, { keyId: request.principal.keyId, reason: request.body.reason }),
  );

  app.post(
    '/replay',
    {
      config: { roles: teachers, action: 'replay conversations' },
      schema: {
        operationId: 'replayConversations',
        tags: ['libraries'],
        summary: 'Which guidance stored conversations would get under two releases (or the current entries, or the drafts); no model call (admin, teacher)',
        description:
          'Replays the messages traces kept (TRACE_MESSAGES) of the turns in the range, retrieving under a and under b from the versions\' own texts, ' +
          'and reports per turn, per conversation and per entry what changed.',
        body: ReplayBody,
        response: { 200: json('The differences, per conversation and in aggregate', ReplayReportView), ...errorResponses({ 404: 'No such release in this library' }) },
      },
    },
    async (request) => {
      const { a, b, from, to, limit, k } = request.body;
      return replay.run(request.library, { a, b, limit, k, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) });
    },
  );
};
