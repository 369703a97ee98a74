import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
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
import { EntryStats, Outcome } from './routes/stats-schemas.js';
import { traceRoutes } from './routes/traces.js';
import { TraceView } from './routes/trace-schemas.js';
import { TraceStore } from './trace-store.js';

/** The student's side: prompts, chat (also OpenAI-compatible), traces of each turn, feedback, and how guidance fared. */
export default fp(
  async (app) => {
    for (const schema of [...chatSchemas, CoachField, TraceView, Outcome, EntryStats]) app.addSchema(schema);
    const traces = new TraceStore(app.db);
    const chat = new ChatService(app.retriever, app.models, traces, app.config.chat, app.log);
    await app.register(libraryScope, { routes: chatRoutes(chat) });
    await app.register(openaiCompatRoutes({ libraries: app.libraries, resolver: new LibraryResolver(app.db, app.libraries), models: app.models, chat }));
    await app.register(traceRoutes(traces));
    await app.register(feedbackRoutes(new FeedbackStore(app.db), app.idempotency));
    await app.register(libraryScope, { routes: guidanceStatsRoutes(new GuidanceStatsStore(app.db)) });
  },
  { name: 'chat', dependencies: ['core', 'http', 'auth'], decorators: { fastify: ['db', 'config', 'retriever', 'models', 'libraries', 'idempotency'] } },
);
