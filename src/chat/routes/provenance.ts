import type { FastifyReply } from 'fastify';
import type { GuidanceRef } from '../types.js';

/** `x-coach-guidance` is `id:version` per entry in the prompt, by descending score, comma-separated. */
export function setProvenanceHeaders(reply: FastifyReply, traceId: string, guidance: GuidanceRef[]): void {
  reply.header('x-coach-trace-id', traceId).header('x-coach-guidance', guidance.map((g) => `${g.id}:${g.version}`).join(','));
}
