import type { Principal } from '../auth/principal.js';
import { requireLibraryAccess } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Embedders } from '../retrieval/embedders.js';
import type { PolicyFlag, PolicyFlags } from './policy-flags.js';
import type { RetrievalSettings } from './retrieval-settings.js';
import type { Library } from './types.js';

const COLUMNS = 'id, name, description, policy, embedder, embedding_dim, holdout_rate, serve_needs_review, retrieval, created_at, updated_at';

export interface LibraryInput {
  name: string;
  description?: string;
  policy?: string;
  embedder?: string;
  holdoutRate?: number;
  serveNeedsReview?: boolean;
  retrieval?: RetrievalSettings;
}

export type LibraryPatch = Partial<Omit<LibraryInput, 'embedder'>>;

/** The library as changed, and the entries its policy edit flagged for review. */
export interface LibraryUpdate {
  library: Library;
  flagged: PolicyFlag[];
}

function nameTaken(err: unknown, name: string | undefined): unknown {
  return isUniqueViolation(err, 'libraries_name_key') ? new ConflictError(`a library named "${name}" already exists`, { field: 'name' }) : err;
}

export class Libraries {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly policyFlags: PolicyFlags,
  ) {}

  async create(input: LibraryInput): Promise<Library> {
    const embedder = this.embedders.get(input.embedder ?? this.embedders.defaultId);
    try {
      const [row] = await this.db.query<Library>(
        `INSERT INTO libraries (name, description, policy, embedder, embedding_dim, holdout_rate, serve_needs_review, retrieval)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [input.name, input.description ?? '', input.policy ?? '', embedder.id, embedder.dimension, input.holdoutRate ?? 0, input.serveNeedsReview ?? true, JSON.stringify(input.retrieval ?? {})],
      );
      return row!;
    } catch (err) {
      throw nameTaken(err, input.name);
    }
  }

  list(principal: Principal): Promise<Library[]> {
    return this.db.query<Library>(
      `SELECT ${COLUMNS} FROM libraries WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[]) ORDER BY name`,
      [principal.libraryIds],
    );
  }

  /** The library, if it exists and the caller's key may see it; otherwise 404 either way. */
  async get(principal: Principal, id: string): Promise<Library> {
    requireLibraryAccess(principal, id);
    const [row] = await this.db.query<Library>(`SELECT ${COLUMNS} FROM libraries WHERE id = $1`, [id]);
    if (row === undefined) throw new NotFoundError('library', id);
    return row;
  }

  /** A policy edit flags, in the same transaction, the entries quoting clauses it changed or removed. */
  async update(library: Library, patch: LibraryPatch, keyId: string | null): Promise<LibraryUpdate> {
    try {
      return await this.db.transaction(async (tx) => {
        const [before] = await tx.query<{ policy: string }>('SELECT policy FROM libraries WHERE id = $1 FOR UPDATE', [library.id]);
        const [row] = await tx.query<Library>(
          `UPDATE libraries SET name = coalesce($2, name), description = coalesce($3, description), policy = coalesce($4, policy),
                  holdout_rate = coalesce($5, holdout_rate), serve_needs_review = coalesce($6, serve_needs_review),
                  retrieval = coalesce($7::jsonb, retrieval), updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [library.id, patch.name ?? null, patch.description ?? null, patch.policy ?? null, patch.holdoutRate ?? null, patch.serveNeedsReview ?? null, patch.retrieval === undefined ? null : JSON.stringify(patch.retrieval)],
        );
        const flagged = before === undefined ? [] : await this.policyFlags.flagPolicyEdit(tx, library.id, before.policy, row!.policy, keyId);
        return { library: row!, flagged };
      });
    } catch (err) {
      throw nameTaken(err, patch.name);
    }
  }

  async delete(library: Library): Promise<void> {
    await this.db.query('DELETE FROM libraries WHERE id = $1', [library.id]);
  }
}
