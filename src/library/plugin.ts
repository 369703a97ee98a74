import fp from 'fastify-plugin';
import { NDJSON, parseNdjson } from '../http/json-lines.js';
import { GuidanceRevisions } from './guidance-revisions.js';
import { ReembedJobs } from './reembed-jobs.js';
import { Releases } from './releases.js';
import { Replay } from './replay.js';
import { ReembedWorker } from './reembed-worker.js';
import { guidanceRoutes } from './routes/guidance.js';
import { GuidanceEntryView, GuidanceInputBody } from './routes/guidance-schemas.js';
import { libraryRoutes } from './routes/libraries.js';
import { LibraryView, RetrievalSettingsSchema } from './routes/library-schemas.js';
import { PolicyFlagView } from './routes/policy-flag-schemas.js';
import { libraryScope } from './routes/library-scope.js';
import { reembedRoutes } from './routes/reembed.js';
import { revisionRoutes } from './routes/revisions.js';
import { ReleaseView } from './routes/release-schemas.js';
import { releaseRoutes } from './routes/releases.js';
import { reviewQueueRoutes } from './routes/review.js';
import { ReviewItemView } from './routes/review-queue-schemas.js';
import { ReviewQueue } from './review-queue.js';
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
    for (const schema of [RetrievalSettingsSchema, LibraryView, PolicyFlagView, GuidanceEntryView, GuidanceInputBody, ReembedJobView, ReviewItemView, ReleaseView]) app.addSchema(schema);
    app.addContentTypeParser(NDJSON, { parseAs: 'string' }, parseNdjson);
    const worker = new ReembedWorker(app.db, app.embedders, app.log, app.config.reembed);
    const jobs = new ReembedJobs(app.db, app.embedders, () => worker.wake());
    await app.register(libraryRoutes(app.libraries));
    await app.register(libraryScope, { routes: guidanceRoutes(app.guidance, app.idempotency) });
    await app.register(libraryScope, { routes: reembedRoutes(jobs) });
    app.decorate('revisions', new GuidanceRevisions(app.db, app.guidance));
    await app.register(libraryScope, { routes: revisionRoutes(app.revisions) });
    await app.register(libraryScope, { routes: reviewQueueRoutes(new ReviewQueue(app.db), app.policyFlags) });
    const releases = new Releases(app.db, app.guidance);
    await app.register(libraryScope, { routes: releaseRoutes(releases, new Replay(app.db, app.embedders, releases, app.config.retrieval.candidates, app.config.traces.redactions)) });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  },
  { name: 'library', dependencies: ['core', 'http', 'auth'], decorators: { fastify: ['db', 'config', 'embedders', 'libraries', 'policyFlags', 'guidance', 'idempotency'] } },
);
