import type { FastifyInstance } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import { Type } from 'typebox';

/** Prometheus metrics at /metrics: request counts and latency histograms by route, plus process stats. */
export async function registerMetrics(app: FastifyInstance): Promise<void> {
  // fastify-metrics is CommonJS with an `exports.default`; Node's ESM import yields the exports object.
  await app.register(fastifyMetrics.default, {
    // Tests build several apps in one process; each must start from a clean registry.
    clearRegisterOnInit: true,
    routeMetrics: { enabled: true, routeBlacklist: ['/metrics'], registeredRoutesOnly: true, groupStatusCodes: false },
    endpoint: {
      method: 'GET',
      url: '/metrics',
      config: { public: true, rateLimit: false },
      schema: {
        operationId: 'getMetrics',
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description: 'Request counts and latency histograms by route and status, and process metrics, in Prometheus text format.',
        response: { 200: Type.String({ description: 'Prometheus exposition format' }) },
      },
      handler: async () => '',
    },
  });
}
