import type { ModelRole } from './config.js';

/**
 * Domain errors. Code anywhere below HTTP throws these; the HTTP layer maps them to status codes in
 * exactly one place (src/http/error-handler.ts).
 */
export type ErrorCode =
  | 'validation_error'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'request_timeout'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'request_headers_too_large'
  | 'rate_limited'
  | 'service_unavailable'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'retrieval_failed'
  | 'student_model_not_configured'
  | 'teacher_model_not_configured'
  | 'customer_model_not_configured'
  | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_error', message, details);
  }

  /** One problem with one field, in the shape schema validation errors have. */
  static at(field: string, problem: string): ValidationError {
    return new ValidationError(`${field} ${problem}`, [{ field, message: problem }]);
  }

  /** Several problems at once, as schema validation reports them. */
  static fields(problems: { field: string; message: string }[]): ValidationError {
    return new ValidationError(problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'a valid API key is required (Authorization: Bearer <key>)') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id?: string) {
    super('not_found', id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, details?: unknown) {
    super('rate_limited', message, details);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, details?: unknown) {
    super('service_unavailable', message, details);
  }
}

/**
 * The database rolled the transaction back to resolve a conflict with a concurrent one (SQLSTATE
 * class 40: a deadlock, a serialization failure, a standby's conflict with recovery). Nothing of it
 * was written and the same request is likely to succeed at once, hence 503 with Retry-After.
 */
export class TransactionAbortedError extends ServiceUnavailableError {
  readonly retryAfterSeconds = 1;

  constructor(readonly sqlstate: string, cause: string) {
    super('the database aborted this request to resolve a conflict with a concurrent one; nothing was written, retry it', { sqlstate, cause });
  }
}

export class UpstreamError extends AppError {
  constructor(message: string, details?: unknown) {
    super('upstream_error', message, details);
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(message: string, details?: unknown) {
    super('upstream_timeout', message, details);
  }
}

export class RetrievalFailedError extends AppError {
  constructor(message: string, details?: unknown) {
    super('retrieval_failed', message, details);
  }
}

export class ModelNotConfiguredError extends AppError {
  constructor(role: ModelRole) {
    const prefix = role.toUpperCase();
    super(`${role}_model_not_configured`, `no ${role} model is configured: set ${prefix}_BASE_URL and ${prefix}_MODEL`);
  }
}
