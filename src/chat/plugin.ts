import fp from 'fastify-plugin';
import { PollingLoop } from '../background/polling-loop.js';
import { libraryScope } from '../library/routes/library-scope.js';
import type { Library } from '../library/types.js';
import { ChatService } from './chat-service.js';
import { FeedbackStore } from './feedback-store.js';
import { GuidanceStatsStore } from './guidance-stats.js';
import { LibraryResolver } from './library-resolver.js';
import { chatRoutes } from './routes/chat.js';
import { chatSchemas } from './routes/chat-schemas.js';
import { feedbackRoutes } from './routes/feedback.js';
import { guidanceStatsRoutes } from './routes/guidance-stats.js';
import { openaiCompatRoutes } from './routes/openai-compat.js';
import { CoachField } from './routes/openai-schemas.js';
import { EntryStats, Outcome, UpliftSchema } from './routes/stats-schemas.js';
import { traceRoutes } from './routes/traces.js';
import { TraceView } from './routes/trace-schemas.js';
import { TraceStore } from './trace-store.js';

/** The student's side: prompts, chat (also OpenAI-compatible), traces of each turn, feedback, and how guidance fared. */
export default fp(
  async (app) => {
    for (const schema of [...chatSchemas, CoachField, TraceView, Outcome, UpliftSchema, EntryStats]) app.addSchema(schema);
    const traces = new TraceStore(app.db, app.config.traces);
    const unserved = async (library: Library) => (library.serve_needs_review ? new Set<string>() : app.policyFlags.flaggedEntryIds(library.id));
    const chat = new ChatService(app.retriever, app.models, traces, app.config.chat, app.log, unserved);
    const retention = new PollingLoop(() => traces.eraseExpiredMessages(), app.log, { name: 'trace retention', idleMs: 3_600_000, errorBackoffMs: 60_000 });
    app.addHook('onReady', async () => retention.start());
    app.addHook('onClose', () => retention.stop());
    await app.register(libraryScope, { routes: chatRoutes(chat) });
    await app.register(openaiCompatRoutes({ libraries: app.libraries, resolver: new LibraryResolver(app.db, app.libraries), models: app.models, chat }));
    await app.register(traceRoutes(traces));
    await app.register(feedbackRoutes(new FeedbackStore(app.db), app.idempotency));
    await app.register(libraryScope, { routes: guidanceStatsRoutes(new GuidanceStatsStore(app.db)) });
  },
  { name: 'chat', dependencies: ['core', 'http', 'auth'], decorators: { fastify: ['db', 'config', 'retriever', 'models', 'libraries', 'policyFlags', 'idempotency'] } },
);
