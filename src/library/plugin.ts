import fp from 'fastify-plugin';
import { NDJSON, parseNdjson } from '../http/json-lines.js';
import { GuidanceRevisions } from './guidance-revisions.js';
import { ReembedJobs } from './reembed-jobs.js';
import { ReembedWorker } from './reembed-worker.js';
import { guidanceRoutes } from './routes/guidance.js';
import { GuidanceEntryView, GuidanceInputBody } from './routes/guidance-schemas.js';
import { libraryRoutes } from './routes/libraries.js';
import { LibraryView } from './routes/library-schemas.js';
import { libraryScope } from './routes/library-scope.js';
import { reembedRoutes } from './routes/reembed.js';
import { revisionRoutes } from './routes/revisions.js';
import { ReembedJobView } from './routes/reembed-schemas.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Revisions proposed for entries in service; the teacher writes its changes of approved entries here. */
    revisions: GuidanceRevisions;
  }
}

/** Libraries and their guidance entries, and moving a library to another embedder in the background. */
export default fp(
  async (app) => {
    for (const schema of [LibraryView, GuidanceEntryView, GuidanceInputBody, ReembedJobView]) app.addSchema(schema);
    app.addContentTypeParser(NDJSON, { parseAs: 'string' }, parseNdjson);
    const worker = new ReembedWorker(app.db, app.embedders, app.log, app.config.reembed);
    const jobs = new ReembedJobs(app.db, app.embedders, () => worker.wake());
    await app.register(libraryRoutes(app.libraries));
    await app.register(libraryScope, { routes: guidanceRoutes(app.guidance, app.idempotency) });
    await app.register(libraryScope, { routes: reembedRoutes(jobs) });
    app.decorate('revisions', new GuidanceRevisions(app.db, app.guidance));
    await app.register(libraryScope, { routes: revisionRoutes(app.revisions) });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  },
  { name: 'library', dependencies: ['core', 'http', 'auth'], decorators: { fastify: ['db', 'config', 'embedders', 'libraries', 'guidance', 'idempotency'] } },
);
