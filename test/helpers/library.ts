import type { FastifyInstance } from 'fastify';
import { admin } from './app.js';

export async function createLibrary(app: FastifyInstance, body: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/libraries',
    headers: admin,
    payload: { name: `lib-${Math.random().toString(36).slice(2)}`, policy: 'Refunds within 30 days of delivery.', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`creating library failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function importEntries(app: FastifyInstance, libraryId: string, entries: unknown[]): Promise<{ created: number; updated: number; unchanged: number; ids: string[] }> {
  const res = await app.inject({ method: 'POST', url: `/v1/libraries/${libraryId}/guidance/import`, headers: admin, payload: entries });
  if (res.statusCode !== 200) throw new Error(`import failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A small customer-service library whose entries are about clearly different situations. */
export const SAMPLE_ENTRIES = [
  {
    external_id: 'refund-late',
    scenario: 'Customer asks for a refund after the 30-day return window has passed',
    guidance: 'Acknowledge the request, verify the order date, explain the 30-day policy, and offer store credit. Never promise a refund.',
    examples: ['I want my money back for an order from two months ago', 'can I still return this, I bought it 45 days ago'],
    tags: ['refunds'],
    policy_refs: ['Refunds within 30 days of delivery.'],
  },
  {
    external_id: 'password-reset',
    scenario: 'Customer cannot log in and needs to reset a forgotten password',
    guidance: 'Verify identity with two of: email, phone, zip code. Then send a reset link. Do not reveal account details before verification.',
    examples: ['I forgot my password and cannot sign in', 'locked out of my account'],
    tags: ['account'],
  },
  {
    external_id: 'shipping-address',
    scenario: 'Customer wants to change the shipping address of an order that has not shipped yet',
    guidance: 'Check the order status first. If not shipped, update the address after confirming the full new address.',
    examples: ['I need to change my delivery address', 'ship my order to a different address please'],
    tags: ['orders', 'shipping'],
  },
];
