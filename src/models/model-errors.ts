import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ModelRole } from '../config.js';
import { UpstreamError, UpstreamTimeoutError } from '../errors.js';

/** The caller went away and its signal cancelled the model call; nothing is left to answer. */
export class ModelCallAbortedError extends Error {
  constructor(role: ModelRole) {
    super(`the ${role} model call was cancelled because the client disconnected`);
    this.name = 'ModelCallAbortedError';
  }
}

/**
 * SDK errors reach this point only after the SDK's own retries (408/409/429/5xx and connection
 * errors, with backoff and Retry-After) are spent, so they become final 502/504 answers here.
 */
export function toModelError(err: unknown, role: ModelRole, model: string): Error {
  if (err instanceof ModelCallAbortedError || err instanceof UpstreamTimeoutError || err instanceof UpstreamError) return err;
  if (err instanceof APIConnectionTimeoutError) {
    return new UpstreamTimeoutError(`the ${role} model ${model} did not answer in time`, { role, model });
  }
  if (err instanceof APIUserAbortError) return new ModelCallAbortedError(role);
  if (err instanceof APIError) {
    const upstream = err.status === undefined ? 'failed' : `answered ${err.status}`;
    return new UpstreamError(`the ${role} model ${model} ${upstream}: ${err.message}`, { role, model, upstream_status: err.status ?? null });
  }
  return new UpstreamError(`the ${role} model ${model} failed: ${(err as Error).message}`, { role, model });
}
