import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LimitsConfig } from '../config/limits.js';
import { RateLimitedError } from '../errors.js';
import { RateLimitSubjects, type Subject } from './rate-limit-subjects.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Per-key request budgets by role, and per-address budgets for requests without a valid key, so
 * wrong keys and unknown paths are limited too. Counted per instance: N instances allow N times
 * the budget. 429 with Retry-After. One hook on the instance rather than on each route, so it runs
 * before authentication (a wrong key is limited too) and for the 404/405 handler; routes whose
 * config says `rateLimit: false` (health, readiness, metrics: probes) are never limited.
 */
async function registerRateLimits(app: FastifyInstance, config: LimitsConfig): Promise<void> {
  const subjects = new RateLimitSubjects(app.db);
  const subjectOf = new WeakMap<FastifyRequest, Subject | null>();
  const resolve = async (request: FastifyRequest): Promise<Subject | null> => {
    if (!subjectOf.has(request)) {
      const secret = BEARER.exec(request.headers.authorization ?? '')?.[1];
      subjectOf.set(request, secret === undefined ? null : await subjects.of(secret));
    }
    return subjectOf.get(request)!;
  };
  const budget = async (request: FastifyRequest) => {
    const subject = await resolve(request);
    return subject === null ? config.perAddress : config.perRole[subject.role];
  };
  await app.register(rateLimit, {
    global: false,
    timeWindow: config.windowMs,
    keyGenerator: async (request) => {
      const subject = await resolve(request);
      return subject === null ? `address:${request.ip}` : `key:${subject.keyId}`;
    },
    max: budget,
    allowList: async (request) => request.routeOptions.config.rateLimit === false || (await budget(request)) === 0,
    errorResponseBuilder: (request, context) => {
      const per = subjectOf.get(request) ? `API key (a ${subjectOf.get(request)!.role} key)` : 'client address without a valid API key';
      return new RateLimitedError(`more than ${context.max} requests in ${config.windowMs / 1000} s from this ${per}; retry in ${context.after}`, {
        limit: context.max,
        window_ms: config.windowMs,
        retry_after_seconds: Math.ceil(context.ttl / 1000),
      });
    },
  });
  app.addHook('onRequest', app.rateLimit());
}

/**
 * Browsers may call the API from the origins in CORS_ORIGINS only; none by default. Preflights
 * carry no key, so their route is public.
 */
async function registerCors(app: FastifyInstance, origins: string[]): Promise<void> {
  if (origins.length === 0) return;
  app.addHook('onRoute', (route) => {
    if (route.url === '*' && route.method === 'OPTIONS') route.config = { ...route.config, public: true };
  });
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'idempotent-replayed'],
    maxAge: 600,
  });
}

/**
 * Helmet's headers on every response. Its CSP fits the docs (Swagger UI loads only same-origin
 * scripts); a route wanting a stricter one sets `helmet: { contentSecurityPolicy: … }` in its
 * options. No upgrade-insecure-requests: the service is often reached over plain HTTP on a
 * private network, where it would break the docs' own scripts.
 */
async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } },
  });
}

export async function registerLimits(app: FastifyInstance, config: LimitsConfig): Promise<void> {
  await registerSecurityHeaders(app);
  await registerCors(app, config.corsOrigins);
  await registerRateLimits(app, config);
}
