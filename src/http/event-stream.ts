import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** One server-sent event; `event` omitted means the default `message` type (what OpenAI clients read). */
export function sseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

export function sendEventStream(reply: FastifyReply, events: AsyncIterable<string>): FastifyReply {
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    // Proxies such as nginx would otherwise hold the text back until the answer is complete.
    .header('x-accel-buffering', 'no');
  return reply.send(Readable.from(events));
}
