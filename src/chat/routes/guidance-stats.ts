import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import { EntryParams } from '../../library/routes/guidance-schemas.js';
import type { GuidanceStatsStore } from '../guidance-stats.js';
import { EntryStatsRef, LibraryStats, STATS_DOC } from './stats-schemas.js';

/** How entries fared in the conversations that had them, under /v1/libraries/:id; any key that may see the library. */
export const guidanceStatsRoutes = (stats: GuidanceStatsStore): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/guidance/stats',
    {
      schema: {
        operationId: 'listGuidanceStats',
        tags: ['guidance'],
        summary: 'Effectiveness of every entry: exposures, and outcomes of conversations with vs without it',
        description: STATS_DOC,
        response: { 200: json('Every entry, most exposed first, with its exposures and the outcomes with and without it', LibraryStats), ...errorResponses() },
      },
    },
    async (request) => stats.forLibrary(request.library.id),
  );

  app.get(
    '/guidance/:gid/stats',
    {
      schema: {
        operationId: 'getGuidanceStats',
        tags: ['guidance'],
        summary: 'Effectiveness of one entry',
        description: STATS_DOC,
        params: EntryParams,
        response: { 200: json('The entry, with its exposures and the outcomes with and without it', EntryStatsRef), ...errorResponses() },
      },
    },
    async (request) => stats.forEntry(request.library.id, request.params.gid),
  );
};
