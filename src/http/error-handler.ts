import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upstream_error: 502,
  upstream_timeout: 504,
  service_unavailable: 503,
  retrieval_failed: 503,
  student_model_not_configured: 503,
  teacher_model_not_configured: 503,
  customer_model_not_configured: 503,
  internal_error: 500,
};

/** Fastify's own client errors, renamed into Coach's error codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_error',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_error',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_error',
};

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

function describe(err: FastifyError | AppError | Error): ErrorPayload {
  if (err instanceof AppError) {
    return { status: STATUS[err.code], code: err.code, message: err.message, details: err.details };
  }
  const fastifyError = err as FastifyError;
  if (fastifyError.validation !== undefined) {
    const context = fastifyError.validationContext ?? 'body';
    const problems = fastifyError.validation.map((v) => {
      const field = validationField(v.instancePath, v.params as Record<string, unknown>);
      const hint = (v.params as { additionalProperty?: string }).additionalProperty !== undefined ? ' (unknown field)' : '';
      return { field: `${context}${field === '' ? '' : '.' + field}`, message: `${v.message ?? 'is invalid'}${hint}` };
    });
    const message = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    return { status: 400, code: 'validation_error', message, details: problems };
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined) return { status: STATUS[mapped], code: mapped, message: fastifyError.message };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, code: status === 404 ? 'not_found' : 'validation_error', message: fastifyError.message };
  }
  return { status: 500, code: 'internal_error', message: 'internal error' };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, payload: ErrorPayload): FastifyReply {
  const body = { error: { code: payload.code, message: payload.message, details: payload.details, request_id: request.id } };
  return reply.code(payload.status).type('application/json').send(body);
}

/** The one place where errors become HTTP responses. 5xx details stay in the log, not the reply. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const payload = describe(err);
    if (payload.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: payload.code, message: payload.message }, 'request rejected');
    if (payload.code === 'internal_error') payload.details = undefined;
    return sendError(reply, request, payload);
  });
}
