import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Db, Queryable } from '../db/db.js';
import { ConflictError } from '../errors.js';

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Makes a retry safe: a request repeating the key (same API key and route) and the same body gets the first response again, ' +
        'with header idempotent-replayed: true, and writes nothing; the key with a different request answers 409 conflict.',
    }),
  ),
});

/** A write's "also store this response", run inside the write's own transaction with the library written to. */
export type InTransaction<T> = (tx: Queryable, libraryId: string, result: T) => Promise<void>;

interface Claim {
  keyId: string;
  route: string;
  key: string;
  fingerprint: string;
}

interface Stored {
  fingerprint: string;
  status: number;
  response: unknown;
}

/** Thrown to roll a write back when a concurrent request with its key committed first. */
class AlreadyRecorded extends Error {
  constructor(claim: Claim) {
    super(`a concurrent ${claim.route} with Idempotency-Key "${claim.key}" was written first`);
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().map((name) => [name, canonical(object[name])]));
}

function fingerprint(request: FastifyRequest): string {
  return createHash('sha256').update(JSON.stringify([request.url, canonical(request.body)])).digest('hex');
}

/**
 * Idempotency-Key on single writes. The first request with a key stores its response in the same
 * transaction as its write; a repeat is answered from it without a second write.
 */
export class IdempotencyKeys {
  constructor(private readonly db: Db) {}

  /**
   * Answers `request` with `write`'s result and `status`, at most once per key. `write` must call
   * the function it is given inside its transaction.
   */
  async run<T>(request: FastifyRequest, reply: FastifyReply, status: number, write: (alsoStore?: InTransaction<T>) => Promise<T>): Promise<T> {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') {
      reply.code(status);
      return write();
    }
    const claim = { keyId: request.principal.keyId, route: `${request.method} ${request.routeOptions.url}`, key, fingerprint: fingerprint(request) };
    const earlier = await this.find(claim);
    if (earlier !== undefined) return replay<T>(reply, earlier);
    let result: T;
    try {
      result = await write((tx, libraryId, written) => this.store(tx, claim, libraryId, status, written));
    } catch (err) {
      // A concurrent request with the key may have committed first: its write stands, this one rolled back.
      const winner = await this.find(claim);
      if (winner === undefined) throw err;
      return replay<T>(reply, winner);
    }
    reply.code(status);
    return result;
  }

  private async find(claim: Claim): Promise<Stored | undefined> {
    const [row] = await this.db.query<Stored>('SELECT fingerprint, status, response FROM idempotency_keys WHERE key_id = $1 AND route = $2 AND key = $3', [
      claim.keyId,
      claim.route,
      claim.key,
    ]);
    if (row !== undefined && row.fingerprint !== claim.fingerprint) {
      throw new ConflictError(`Idempotency-Key "${claim.key}" was already used for a different request to ${claim.route}`, { header: 'Idempotency-Key' });
    }
    return row;
  }

  private async store(tx: Queryable, claim: Claim, libraryId: string, status: number, response: unknown): Promise<void> {
    // DO NOTHING waits for a concurrent insert of the same key to commit or roll back, then decides.
    const inserted = await tx.query(
      `INSERT INTO idempotency_keys (key_id, route, key, fingerprint, library_id, status, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING RETURNING key`,
      [claim.keyId, claim.route, claim.key, claim.fingerprint, libraryId, status, JSON.stringify(response)],
    );
    if (inserted.length === 0) throw new AlreadyRecorded(claim);
  }
}

function replay<T>(reply: FastifyReply, stored: Stored): T {
  reply.code(stored.status).header('idempotent-replayed', 'true');
  return stored.response as T;
}
