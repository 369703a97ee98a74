import { integer, type Env } from './env.js';

export interface WebhooksConfig {
  /** Per delivery attempt. */
  timeoutMs: number;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each further one, up to an hour. */
  retryBaseMs: number;
}

export function loadWebhooksConfig(env: Env): WebhooksConfig {
  return {
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    maxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
    retryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 10, 3_600_000),
  };
}
