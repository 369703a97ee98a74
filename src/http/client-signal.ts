import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModelCallAbortedError } from '../models/model-errors.js';

/**
 * Aborted when the client disconnects before the reply is complete. Listens on the response:
 * Node emits `close` on the request as soon as its body has been read, long before a disconnect.
 */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

/**
 * A model call cancelled because the client left needs no answer and is no server error: the reply
 * is abandoned. Any other error is rethrown for the error handler.
 */
export function abandonIfClientGone(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!(err instanceof ModelCallAbortedError)) throw err;
  request.log.info('the client disconnected; its model call was cancelled');
  reply.hijack();
  return reply;
}
