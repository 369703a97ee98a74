import fp from 'fastify-plugin';
import { defaultMigrationsDir, migrationFiles } from '../db/migrate.js';
import { Readiness } from '../db/readiness.js';
import { healthRoutes } from './routes/health.js';
import { registerMetrics } from './routes/metrics.js';

/** What operators watch, without an API key: liveness, readiness and Prometheus metrics. */
export default fp(
  async (app) => {
    await registerMetrics(app);
    await app.register(healthRoutes(new Readiness(app.db, await migrationFiles(defaultMigrationsDir()))));
  },
  { name: 'ops', dependencies: ['core', 'http'], decorators: { fastify: ['db'] } },
);
