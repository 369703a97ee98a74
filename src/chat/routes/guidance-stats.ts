import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { Libraries } from '../../library/libraries.js';
import { EntryParams } from '../../library/routes/guidance-schemas.js';
import type { GuidanceStatsStore } from '../guidance-stats.js';
import { EntryStats, EntryStatsRef, LibraryStats, Outcome, STATS_DOC } from './stats-schemas.js';

/** How entries fared in the conversations that had them; any key that may see the library. */
export function guidanceStatsRoutes(app: FastifyInstance, libraries: Libraries, stats: GuidanceStatsStore): void {
  app.addSchema(Outcome);
  app.addSchema(EntryStats);
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/v1/libraries/:id/guidance/stats',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Effectiveness of every entry: exposures, and outcomes of conversations with vs without it',
        description: STATS_DOC,
        params: IdParams,
        response: { 200: LibraryStats, ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return stats.forLibrary(library.id);
    },
  );

  api.get(
    '/v1/libraries/:id/guidance/:gid/stats',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Effectiveness of one entry',
        description: STATS_DOC,
        params: EntryParams,
        response: { 200: EntryStatsRef, ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return stats.forEntry(library.id, request.params.gid);
    },
  );
}
