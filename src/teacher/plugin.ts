import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
import { Retriever } from '../retrieval/retriever.js';
import { Judges, servedEndpoints } from './job-models.js';
import { TeacherJobs } from './jobs.js';
import { LiftRecords } from './lift-records.js';
import { loadPrompts } from './prompts.js';
import { liftRoutes } from './routes/lift.js';
import { reviewRoutes } from './routes/review.js';
import { JobListing } from './job-listing.js';
import { jobListRoutes } from './routes/job-list.js';
import { jobRoutes, teachRoutes } from './routes/teach.js';
import { TeacherJobView } from './routes/teach-schemas.js';
import { SimilarEntries } from './similar-entries.js';
import { StepRunner } from './step-runner.js';
import { StudentServer } from './student.js';
import { TeacherWorker } from './worker.js';

/** Teacher jobs: the API that submits and watches them, and the background worker that runs their steps. */
export default fp(
  async (app) => {
    app.addSchema(TeacherJobView);
    const { db, config, models } = app;
    const judges = new Judges(models, config.teacher.judge);
    const runner = new StepRunner({
      db,
      models,
      judges,
      prices: config.teacher.prices,
      prompts: loadPrompts(),
      // The lift of a note is measured right after writing it: that read must see the write, so it
      // goes to the primary, never to a replica that may lag (DATABASE_READ_URL).
      student: new StudentServer(new Retriever(db, app.embedders, config.retrieval), config.chat.guidanceTokenBudget),
      similar: new SimilarEntries(db, app.embedders, config.retrieval.duplicateThreshold),
      store: app.guidance,
      revisions: app.revisions,
    });
    const worker = new TeacherWorker(db, runner, app.log, { concurrency: config.teacher.concurrency, endpoints: servedEndpoints(models, judges) });
    const jobs = new TeacherJobs(db, models, judges, config.teacher.prices, {
      queued: () => worker.wake(),
      cancelled: (jobId) => worker.cancelled(jobId),
    });
    await app.register(libraryScope, { routes: teachRoutes(jobs) });
    await app.register(jobListRoutes(new JobListing(db)));
    await app.register(jobRoutes(jobs));
    await app.register(libraryScope, { routes: reviewRoutes(app.guidance, jobs) });
    await app.register(libraryScope, { routes: liftRoutes(new LiftRecords(db)) });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', () => worker.stop());
  },
  {
    name: 'teacher',
    dependencies: ['core', 'auth', 'library'],
    decorators: { fastify: ['db', 'config', 'embedders', 'guidance', 'revisions', 'models'] },
  },
);
