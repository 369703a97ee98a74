import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ApiKeys } from './auth/api-keys.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { defaultMigrationsDir, migrate, migrationFiles } from './db/migrate.js';
import { openDb } from './db/open-db.js';
import { projectRoot } from './project-root.js';
import { Readiness } from './db/readiness.js';
import { installErrorHandler } from './http/error-handler.js';
import { serverOptions } from './http/server-options.js';
import { IdempotencyKeys } from './http/idempotency.js';
import { installInputGuards } from './http/input-guards.js';
import { rejectUndeclaredQuery } from './http/validation.js';
import { installAuth } from './http/plugins/auth.js';
import { registerMetrics } from './http/plugins/metrics.js';
import { installNotFound } from './http/plugins/not-found.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { healthRoutes } from './ops/routes/health.js';
import { guidanceRoutes } from './library/routes/guidance.js';
import { keyRoutes } from './auth/routes/keys.js';
import { libraryRoutes } from './library/routes/libraries.js';
import { retrievalRoutes } from './retrieval/routes/retrieve.js';
import { GuidanceStore } from './library/guidance-store.js';
import { Libraries } from './library/libraries.js';
import { ReembedJobs } from './library/reembed-jobs.js';
import { ReembedWorker } from './library/reembed-worker.js';
import { reembedRoutes } from './library/routes/reembed.js';
import { ChunkIndexer } from './retrieval/chunk-indexer.js';
import { Embedders } from './retrieval/embedders.js';
import { Retriever } from './retrieval/retriever.js';
import { ChatService } from './chat/chat-service.js';
import { FeedbackStore } from './chat/feedback-store.js';
import { GuidanceStatsStore } from './chat/guidance-stats.js';
import { LibraryResolver } from './chat/library-resolver.js';
import { TraceStore } from './chat/trace-store.js';
import { ModelClients } from './models/model-clients.js';
import { chatRoutes } from './chat/routes/chat.js';
import { feedbackRoutes } from './chat/routes/feedback.js';
import { guidanceStatsRoutes } from './chat/routes/guidance-stats.js';
import { openaiCompatRoutes } from './chat/routes/openai-compat.js';
import { traceRoutes } from './chat/routes/traces.js';
import { reviewRoutes } from './teacher/routes/review.js';
import { teachRoutes } from './teacher/routes/teach.js';
import { createTeacher } from './teacher/teacher.js';

export interface AppOptions {
  /** A database the caller owns (tests); otherwise the app opens one from config and closes it. */
  db?: Db;
  /** Where log lines go instead of stdout (tests capture them). */
  logStream?: { write(msg: string): void };
}

const VERSION = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config.server, options.logStream));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const db = options.db ?? (await openDb(config.database, app.log));
  // PGlite is one connection: smaller batches keep other queries waiting less.
  const indexer = new ChunkIndexer(db, app.log, db.kind === 'pglite' ? 200 : 1000);
  app.addHook('onClose', async () => {
    await indexer.stop();
    if (options.db === undefined) await db.close();
  });
  try {
    const dir = defaultMigrationsDir();
    const applied = await migrate(db, dir);
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
    const keys = new ApiKeys(db);
    if (config.auth.adminKey !== undefined) await keys.bootstrapAdmin(config.auth.adminKey);
    else app.log.warn('COACH_ADMIN_KEY is not set: no admin key is bootstrapped');

    installErrorHandler(app);
    installInputGuards(app);
    rejectUndeclaredQuery(app);
    installNotFound(app);
    installAuth(app, keys);
    await registerOpenApi(app, VERSION);
    await registerMetrics(app);
    healthRoutes(app, new Readiness(db, await migrationFiles(dir)));
    keyRoutes(app, keys);
    const embedders = new Embedders(config.embedder);
    const libraries = new Libraries(db, embedders);
    libraryRoutes(app, libraries);
    const guidance = new GuidanceStore(db, embedders, config.retrieval.duplicateThreshold);
    const idempotency = new IdempotencyKeys(db);
    guidanceRoutes(app, libraries, guidance, idempotency);
    const retriever = new Retriever(db, embedders, config.retrieval);
    retrievalRoutes(app, libraries, retriever);
    // Re-embedding libraries in the background. onClose hooks run last-registered first: the worker stops before the db closes.
    const reembedWorker = new ReembedWorker(db, embedders, app.log, config.reembed);
    app.addHook('onClose', () => reembedWorker.stop());
    reembedRoutes(app, new ReembedJobs(db, libraries, embedders, () => reembedWorker.wake()));
    // Student chat: composition, chat, the OpenAI-compatible surface, traces, feedback and stats.
    const models = new ModelClients(config.models);
    const traces = new TraceStore(db);
    const chat = new ChatService(retriever, models, traces, config.chat, app.log);
    chatRoutes(app, libraries, chat);
    openaiCompatRoutes(app, libraries, new LibraryResolver(db, libraries), models, chat);
    traceRoutes(app, traces);
    feedbackRoutes(app, new FeedbackStore(db), idempotency);
    guidanceStatsRoutes(app, libraries, new GuidanceStatsStore(db));
    // Teacher jobs: a background worker, stopped before the db closes.
    const teacher = createTeacher({ db, config, libraries, store: guidance, embedders, retriever, log: app.log });
    app.addHook('onClose', () => teacher.worker.stop());
    teachRoutes(app, teacher.jobs);
    reviewRoutes(app, libraries, guidance, teacher.jobs);
    await app.ready();
    // Background workers start once every route and hook is in place.
    indexer.start();
    reembedWorker.start();
    teacher.worker.start();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
