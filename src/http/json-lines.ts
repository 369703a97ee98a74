import { Readable } from 'node:stream';
import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.js';
import { jsonTooDeep, TOO_DEEP } from './input-guards.js';

export const NDJSON = 'application/x-ndjson';

/** JSONL bodies become arrays, so a route validates both forms with one schema. */
export function parseNdjson(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  const items: unknown[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (jsonTooDeep(line)) {
      done(ValidationError.at('body', `line ${i + 1} ${TOO_DEEP}`));
      return;
    }
    try {
      items.push(JSON.parse(line));
    } catch {
      done(ValidationError.at('body', `line ${i + 1} is not valid JSON`));
      return;
    }
  }
  done(null, items);
}

/**
 * Documents a route that takes its body as JSONL too: parsed into the array its schema validates,
 * the lines are one more media type of the request body, shown as the text they are.
 */
export function alsoAsJsonLines(description: string, example: string): SwaggerTransform {
  return ({ schema, url }) => ({
    url,
    schema: { ...schema, body: { content: { 'application/json': { schema: schema.body }, [NDJSON]: { schema: { type: 'string', description, examples: [example] } } } } },
  });
}

/** One JSON value per line, streamed as it is written rather than held as one string. */
export function sendJsonLines(reply: FastifyReply, values: unknown[], filename: string): FastifyReply {
  reply.type(NDJSON).header('content-disposition', `attachment; filename="${filename}"`);
  return reply.send(Readable.from(values.map((value) => JSON.stringify(value) + '\n')));
}
