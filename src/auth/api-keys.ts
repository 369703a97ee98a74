import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/db.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { Principal, Role } from './principal.js';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  key_prefix: string;
  library_ids: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'id, name, role, key_prefix, library_ids, created_at, revoked_at, last_used_at';
const SECRET_PREFIX = 'coach_';
// Recording use on every request would turn each read into a write; once a minute is enough.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Keys are 256-bit random, so a plain SHA-256 is a safe one-way store (no need for a slow KDF). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class ApiKeys {
  constructor(private readonly db: Db) {}

  async create(input: { name: string; role: Role; library_ids?: string[] | null }): Promise<ApiKey & { key: string }> {
    const libraryIds = input.library_ids ?? null;
    if (libraryIds !== null && libraryIds.length > 0) {
      const found = await this.db.query<{ id: string }>('SELECT id FROM libraries WHERE id = ANY($1::uuid[])', [libraryIds]);
      const missing = libraryIds.filter((id) => !found.some((row) => row.id === id));
      if (missing.length > 0) throw new ValidationError(`library_ids: unknown library ${missing.join(', ')}`, { field: 'library_ids', missing });
    }
    const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
    const [row] = await this.db.query<ApiKey>(
      `INSERT INTO api_keys (name, role, key_hash, key_prefix, library_ids) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [input.name, input.role, hashSecret(secret), secret.slice(0, SECRET_PREFIX.length + 6), libraryIds],
    );
    return { ...row!, key: secret };
  }

  list(): Promise<ApiKey[]> {
    return this.db.query<ApiKey>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  }

  async revoke(id: string): Promise<ApiKey> {
    const [row] = await this.db.query<ApiKey>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    if (row === undefined) throw new NotFoundError('api key', id);
    return row;
  }

  /** The principal for a presented secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const [row] = await this.db.query<{ id: string; role: Role; library_ids: string[] | null; last_used_at: Date | null }>(
      'SELECT id, role, library_ids, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashSecret(secret)],
    );
    if (row === undefined) return null;
    if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
    }
    return { keyId: row.id, role: row.role, libraryIds: row.library_ids };
  }

  /**
   * Makes COACH_ADMIN_KEY a valid unscoped admin key. The environment is the source of truth for
   * this key: while it is set, it works, even if it was revoked through the API before a restart.
   */
  async bootstrapAdmin(secret: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (name, role, key_hash, key_prefix) VALUES ('bootstrap admin (COACH_ADMIN_KEY)', 'admin', $1, $2)
       ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, role = 'admin', library_ids = NULL`,
      [hashSecret(secret), secret.slice(0, 6)],
    );
  }
}
