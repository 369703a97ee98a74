import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/db.js';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import type { Principal, Role } from './principal.js';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  key_prefix: string;
  library_ids: string[] | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  /** null: every library. */
  libraryIds: string[] | null;
  /** ISO 8601, as the caller wrote it; null: never. */
  expiresAt: string | null;
}

const COLUMNS = 'id, name, role, key_prefix, library_ids, created_at, expires_at, revoked_at, last_used_at';
// Keys a principal may manage: all of them for an unscoped key, else those within its libraries.
const WITHIN_SCOPE = '($1::uuid[] IS NULL OR (library_ids IS NOT NULL AND library_ids <@ $1::uuid[]))';
const SECRET_PREFIX = 'coach_';
// Recording use on every request would turn each read into a write; once a minute is enough.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Keys are 256-bit random, so a plain SHA-256 is a safe one-way store (no need for a slow KDF). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class ApiKeys {
  constructor(private readonly db: Db) {}

  /**
   * A key may only hand out what it has itself: a key limited to libraries creates keys limited to
   * some of them, and a key that expires creates keys that expire no later. Otherwise a scoped admin
   * could mint an unscoped key and reach every tenant.
   */
  async create(principal: Principal, input: NewApiKey): Promise<ApiKey & { key: string }> {
    const { libraryIds } = input;
    const expiresAt = input.expiresAt === null ? null : new Date(input.expiresAt);
    if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
      throw new ValidationError(`body.expires_at must be in the future, got ${input.expiresAt}`, { field: 'expires_at' });
    }
    if (principal.libraryIds !== null && libraryIds === null) {
      throw new ForbiddenError('a key limited to libraries can only create keys limited to some of them: set library_ids');
    }
    if (principal.expiresAt !== null && (expiresAt === null || expiresAt > principal.expiresAt)) {
      throw new ForbiddenError(`a key that expires can only create keys that expire no later: set expires_at to ${principal.expiresAt.toISOString()} or earlier`);
    }
    if (libraryIds !== null) {
      const found = await this.db.query<{ id: string }>('SELECT id FROM libraries WHERE id = ANY($1::uuid[])', [libraryIds]);
      // A library outside the creator's scope is reported exactly like one that does not exist.
      const visible = (id: string) => found.some((row) => row.id === id) && (principal.libraryIds === null || principal.libraryIds.includes(id));
      const missing = libraryIds.filter((id) => !visible(id));
      if (missing.length > 0) throw new ValidationError(`library_ids: unknown library ${missing.join(', ')}`, { field: 'library_ids', missing });
    }
    const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
    const [row] = await this.db.query<ApiKey>(
      `INSERT INTO api_keys (name, role, key_hash, key_prefix, library_ids, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [input.name, input.role, hashSecret(secret), secret.slice(0, SECRET_PREFIX.length + 6), libraryIds, expiresAt],
    );
    return { ...row!, key: secret };
  }

  list(principal: Principal): Promise<ApiKey[]> {
    return this.db.query<ApiKey>(`SELECT ${COLUMNS} FROM api_keys WHERE ${WITHIN_SCOPE} ORDER BY created_at, id`, [principal.libraryIds]);
  }

  /** A key outside the caller's scope is reported as absent, like any out-of-scope resource. */
  async revoke(principal: Principal, id: string): Promise<ApiKey> {
    const [row] = await this.db.query<ApiKey>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE ${WITHIN_SCOPE} AND id = $2 RETURNING ${COLUMNS}`,
      [principal.libraryIds, id],
    );
    if (row === undefined) throw new NotFoundError('api key', id);
    return row;
  }

  /** The principal for a presented secret; an unknown, revoked or expired key is a 401 saying which. */
  async authenticate(secret: string): Promise<Principal> {
    const [row] = await this.db.query<{ id: string; role: Role; library_ids: string[] | null; expires_at: Date | null; expired: boolean; last_used_at: Date | null }>(
      `SELECT id, role, library_ids, expires_at, expires_at <= now() AS expired, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashSecret(secret)],
    );
    if (row === undefined) throw new UnauthorizedError('the API key is invalid or revoked');
    if (row.expired) throw new UnauthorizedError(`the API key expired at ${row.expires_at!.toISOString()}`);
    if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
    }
    return { keyId: row.id, role: row.role, libraryIds: row.library_ids, expiresAt: row.expires_at };
  }

  /** Whether any admin key still works, i.e. whether anyone can create keys. */
  async anyAdmin(): Promise<boolean> {
    const rows = await this.db.query(
      "SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1",
    );
    return rows.length > 0;
  }

  /**
   * Makes COACH_ADMIN_KEY a valid unscoped admin key. The environment is the source of truth for
   * this key: while it is set, it works, even if it was revoked through the API before a restart.
   */
  async bootstrapAdmin(secret: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (name, role, key_hash, key_prefix) VALUES ('bootstrap admin (COACH_ADMIN_KEY)', 'admin', $1, $2)
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, expires_at = NULL, role = 'admin', library_ids = NULL`,
      [hashSecret(secret), secret.slice(0, 6)],
    );
  }
}
