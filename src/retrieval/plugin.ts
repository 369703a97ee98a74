import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
import { ChunkIndexer } from '../chunk-index/chunk-indexer.js';
import { retrieveRoutes } from './routes/retrieve.js';
import { ChatMessageSchema } from './routes/retrieve-schemas.js';

/** Finding the guidance that fits a conversation, and moving new chunks into the vector index it searches. */
export default fp(
  async (app) => {
    app.addSchema(ChatMessageSchema);
    // PGlite is one connection: smaller batches keep other queries waiting less.
    const indexer = new ChunkIndexer(app.db, app.log, app.db.kind === 'pglite' ? 200 : 1000);
    await app.register(libraryScope, { routes: retrieveRoutes(app.retriever) });
    app.addHook('onReady', async () => indexer.start());
    app.addHook('onClose', () => indexer.stop());
  },
  { name: 'retrieval', dependencies: ['core', 'auth'], decorators: { fastify: ['db', 'retriever', 'libraries'] } },
);
