import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { AppError, TransactionAbortedError, type ErrorCode } from '../errors.js';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  request_headers_too_large: 431,
  rate_limited: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  service_unavailable: 503,
  retrieval_failed: 503,
  student_model_not_configured: 503,
  teacher_model_not_configured: 503,
  customer_model_not_configured: 503,
  internal_error: 500,
};

/** Ids are 36 characters; the router answers 414 for a longer path parameter (Fastify's default, made explicit). */
const MAX_PARAM_LENGTH = 100;

/**
 * Fastify's own client errors, renamed into Coach's codes. Their messages are replaced too: some
 * echo the URL, which can be as long as the request line allows.
 */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string; field?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'the body is larger than BODY_LIMIT_BYTES allows' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'content-type must be application/json (or application/x-ndjson for imports)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'validation_error', field: 'headers.content-length', message: 'does not match the length of the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_error', field: 'body', message: 'is empty but content-type is application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_error', field: 'body', message: 'is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'validation_error', field: 'url', message: 'has invalid percent-encoding (not UTF-8)' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', field: 'url', message: `has a path parameter longer than ${MAX_PARAM_LENGTH} characters` },
};

interface FieldProblem {
  field: string;
  message: string;
}

interface ErrorPayload {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

function validationField(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const child = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  return [base, child].filter((part) => part !== undefined && part !== '').join('.');
}

/**
 * TypeBox unions compile to anyOf, and AJV reports every failed branch and then the anyOf: "must be
 * equal to constant" once per allowed value. One message instead, listing what is allowed. Only a
 * run of branches 0..n-1 failing on the same keyword right before the anyOf is merged: a branch
 * that failed deeper, or in a referenced schema, breaks the run and the errors stay as they are.
 */
function mergeUnionBranches(errors: FastifySchemaValidationError[]): FastifySchemaValidationError[] {
  const merged: FastifySchemaValidationError[] = [];
  for (const error of errors) {
    let run = 0;
    while (error.keyword === 'anyOf' && run < merged.length) {
      const branch = merged[merged.length - 1 - run]!;
      if (branch.instancePath !== error.instancePath || !['const', 'type'].includes(branch.keyword)) break;
      run++;
    }
    const branches = merged.slice(merged.length - run);
    const keyword = branches[0]?.keyword;
    if (run > 0 && branches.every((b, i) => b.schemaPath === `${error.schemaPath}/${i}/${keyword}`)) {
      const message =
        keyword === 'const'
          ? `must be one of ${branches.map((b) => String(b.params.allowedValue)).join(', ')}`
          : `must be ${branches.map((b) => String(b.params.type)).join(' or ')}`;
      merged.splice(merged.length - run, run, { ...error, message });
    } else merged.push(error);
  }
  return merged;
}

function describe(err: FastifyError | AppError | Error): ErrorPayload {
  if (err instanceof AppError) {
    return { status: STATUS[err.code], code: err.code, message: err.message, details: err.details };
  }
  const fastifyError = err as FastifyError;
  if (fastifyError.validation !== undefined) {
    // Named as the README and domain errors name it: query.<param>, not Fastify's querystring.<param>.
    const context = fastifyError.validationContext === 'querystring' ? 'query' : (fastifyError.validationContext ?? 'body');
    const problems = mergeUnionBranches(fastifyError.validation).map((v): FieldProblem => {
      const field = validationField(v.instancePath, v.params as Record<string, unknown>);
      const hint = (v.params as { additionalProperty?: string }).additionalProperty !== undefined ? ' (unknown field)' : '';
      return { field: `${context}${field === '' ? '' : '.' + field}`, message: `${v.message ?? 'is invalid'}${hint}` };
    });
    const message = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    return { status: 400, code: 'validation_error', message, details: problems };
  }
  const known = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (known !== undefined) {
    const { code, field, message } = known;
    if (field === undefined) return { status: STATUS[code], code, message };
    return { status: STATUS[code], code, message: `${field} ${message}`, details: [{ field, message }] };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 404) return { status, code: 'not_found', message: fastifyError.message };
    return { status, code: 'validation_error', message: `request ${fastifyError.message}`, details: [{ field: 'request', message: fastifyError.message }] };
  }
  return { status: 500, code: 'internal_error', message: 'internal error' };
}

/** `details` is always there: a list of {field, message}, an object of facts, or null. */
export function sendError(reply: FastifyReply, request: FastifyRequest, payload: ErrorPayload): FastifyReply {
  const body = { error: { code: payload.code, message: payload.message, details: payload.details ?? null, request_id: request.id } };
  return reply.code(payload.status).type('application/json').send(body);
}

function handle(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const payload = describe(err);
  if (payload.status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: payload.code, message: payload.message }, 'request rejected');
  if (payload.code === 'internal_error') payload.details = undefined;
  if (err instanceof TransactionAbortedError) reply.header('retry-after', String(err.retryAfterSeconds));
  return sendError(reply, request, payload);
}

/** The one place where errors become HTTP responses. 5xx details stay in the log, not the reply. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(handle);
}

const CONNECTION_ERRORS: Record<string, Omit<ErrorPayload, 'status'>> = {
  HPE_HEADER_OVERFLOW: { code: 'request_headers_too_large', message: 'the request line and headers are larger than the server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
};
const NOT_HTTP: Omit<ErrorPayload, 'status'> = {
  code: 'validation_error',
  message: 'request is not valid HTTP/1.1',
  details: [{ field: 'request', message: 'is not valid HTTP/1.1' }],
};

/**
 * Errors met before there is a route (a URL the router cannot decode) or even a request (bytes that
 * are not HTTP), answered in the same shape. Server options, so they are given to Fastify().
 */
export function frameworkErrorOptions(): Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err, request, reply) => {
      // Hooks do not run before these errors, so the one that echoes the request id neither.
      reply.header('x-request-id', request.id);
      handle(err, request as FastifyRequest, reply as FastifyReply);
    },
    clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const { code, message, details = null } = CONNECTION_ERRORS[err.code ?? ''] ?? NOT_HTTP;
      const status = STATUS[code];
      const requestId = randomUUID();
      const body = JSON.stringify({ error: { code, message, details, request_id: requestId } });
      this.log.info({ code, reqId: requestId, err: err.message }, 'connection rejected');
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `x-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(err);
    },
  };
}
