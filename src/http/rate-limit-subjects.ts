import { hashSecret } from '../auth/api-keys.js';
import type { Role } from '../auth/principal.js';
import type { Db } from '../db/db.js';

export interface Subject {
  keyId: string;
  role: Role;
}

/** Long enough that a busy key costs one lookup per window, short enough that a new or revoked key counts right soon. */
const CACHE_MS = 10_000;
const CACHE_ENTRIES = 10_000;

/**
 * Which key a bearer secret is, for rate limiting: known before authentication runs, so requests
 * with a wrong key are limited too (by address). Not authentication: that stays in src/auth.
 */
export class RateLimitSubjects {
  private readonly cache = new Map<string, { subject: Subject | null; until: number }>();

  constructor(private readonly db: Db) {}

  async of(secret: string): Promise<Subject | null> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached !== undefined && cached.until > now) return cached.subject;
    const [row] = await this.db.query<{ id: string; role: Role }>(
      `SELECT id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [hash],
    );
    const subject = row === undefined ? null : { keyId: row.id, role: row.role };
    // Oldest first: Map keeps insertion order.
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { subject, until: now + CACHE_MS });
    return subject;
  }
}
