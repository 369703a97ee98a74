import fp from 'fastify-plugin';
import { libraryScope } from '../library/routes/library-scope.js';
import { GuidanceExamples } from './guidance-examples.js';
import { exampleRoutes } from './routes/examples.js';

/** The library learns what its states sound like: examples added from traces, teacher evidence or by hand. */
export default fp(
  async (app) => {
    const examples = new GuidanceExamples(app.db, app.guidance, app.config.traces);
    await app.register(libraryScope, { routes: exampleRoutes(examples) });
  },
  { name: 'examples', dependencies: ['core', 'auth', 'library', 'retrieval'], decorators: { fastify: ['db', 'config', 'guidance', 'libraries'] } },
);
