import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import type { ServerConfig } from '../config/server.js';
import { frameworkErrorOptions } from './error-handler.js';
import { validationOptions } from './validation.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Secrets never reach the log: keys in headers, and any field that looks like one. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'key',
  'apiKey',
  '*.key',
  '*.apiKey',
  '*.api_key',
  '*.adminKey',
];

const KEEP_ALIVE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * A connection whose last request was drained after the shutdown began is closed only when its
 * keep-alive runs out: past the grace, the exit is forced and the database is never closed. Half
 * the grace leaves the other half to the request itself. The request timeout cannot shorten a
 * drain (Node stops enforcing it once the server closes), so it stays what it is for any request.
 */
function connectionTimeouts(shutdownGraceMs: number): Pick<FastifyServerOptions, 'keepAliveTimeout' | 'requestTimeout'> {
  return { keepAliveTimeout: Math.min(KEEP_ALIVE_MS, Math.floor(shutdownGraceMs / 2)), requestTimeout: REQUEST_TIMEOUT_MS };
}

export function serverOptions(config: ServerConfig, logStream?: { write(msg: string): void }): FastifyServerOptions {
  return {
    logger: { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, stream: logStream },
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false, // genReqId reads and validates x-request-id itself
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ...connectionTimeouts(config.shutdownGraceMs),
    // Plugins wait on the database at start-up (the data directory's lock, another instance's
    // migrations), which answers in its own time and with its own error; avvio's 10 s would cut it.
    pluginTimeout: 0,
    ...validationOptions(),
    ...frameworkErrorOptions(),
  };
}
