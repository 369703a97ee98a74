import fp from 'fastify-plugin';
import { defaultMigrationsDir, migrationFiles } from '../db/migrate.js';
import { Readiness } from '../db/readiness.js';
import { ReplicaReads } from '../db/replica-reads.js';
import { installGauge, installInstruments } from './instruments.js';
import { healthRoutes } from './routes/health.js';
import { registerMetrics } from './routes/metrics.js';
import { startTracing } from './telemetry.js';
import { chunksAwaitingIndex, workerLag } from './worker-lag.js';

/**
 * What operators watch, without an API key: liveness, readiness, Prometheus metrics (requests,
 * retrieval, models, teacher steps, worker and replica lag), and OpenTelemetry traces when an
 * OTLP endpoint is configured.
 */
export default fp(
  async (app) => {
    const stopTracing = startTracing(app.config.telemetry);
    if (stopTracing !== undefined) app.addHook('onClose', stopTracing);
    await registerMetrics(app);
    const registry = app.metrics.client.register;
    installInstruments(registry);
    installGauge(registry, 'coach_worker_lag_seconds', 'Age of the oldest work waiting for a background worker (teacher, reembed); 0: none waiting', ['worker'], async (gauge) => {
      for (const { worker, seconds } of await workerLag(app.db)) gauge.set({ worker }, seconds);
    });
    installGauge(registry, 'coach_chunks_awaiting_index', 'Chunks written but not yet in the HNSW index (searched exactly meanwhile)', [], async (gauge) => {
      gauge.set(await chunksAwaitingIndex(app.db));
    });
    const reads = app.readDb;
    if (reads instanceof ReplicaReads) {
      installGauge(registry, 'coach_read_replica_lag_seconds', 'Replay lag of the read replica (DATABASE_READ_URL); -1: it does not answer', [], async (gauge) => {
        const { lagMs } = await reads.status();
        gauge.set(lagMs === null ? -1 : lagMs / 1000);
      });
      installGauge(registry, 'coach_reads_on_replica', '1 while reads go to the replica, 0 while they go to the primary', [], async (gauge) => {
        gauge.set((await reads.status()).serving === 'replica' ? 1 : 0);
      });
    }
    await app.register(healthRoutes(new Readiness(app.db, await migrationFiles(defaultMigrationsDir()))));
  },
  { name: 'ops', dependencies: ['core', 'http'], decorators: { fastify: ['db', 'readDb', 'config'] } },
);
