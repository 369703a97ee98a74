import type { Db } from '../db/db.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { GuidanceStore } from './guidance-store.js';
import type { Actor, Library } from './types.js';

/** A named, immutable set of entry versions of one library. */
export interface Release {
  id: string;
  library_id: string;
  name: string;
  description: string;
  entries: number;
  created_by: string | null;
  created_at: Date;
}

export interface ReleaseEntry {
  entry_id: string;
  version: number;
}

/** What a rollback did to each entry. */
export interface RollbackResult {
  release: Release;
  /** Entries brought back to the release's version (a new version with its content, approved). */
  restored: ReleaseEntry[];
  /** Approved entries the release does not hold, now retired. */
  retired: string[];
  /** Entries approved with the release's content already. */
  unchanged: string[];
  /** Entries of the release deleted since; they cannot come back. */
  missing: string[];
}

const COLUMNS = `r.id, r.library_id, r.name, r.description, r.created_by, r.created_at,
  (SELECT count(*)::int FROM library_release_entries x WHERE x.release_id = r.id) AS entries`;

export class Releases {
  constructor(
    private readonly db: Db,
    private readonly guidance: GuidanceStore,
  ) {}

  /** A release of the library's approved entries, at their current versions, in one snapshot. */
  async create(library: Library, name: string, description: string, keyId: string | null): Promise<Release> {
    try {
      const id = await this.db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: string }>(
          'INSERT INTO library_releases (library_id, name, description, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
          [library.id, name, description, keyId],
        );
        await tx.query(
          `INSERT INTO library_release_entries (release_id, entry_id, version)
           SELECT $1, id, version FROM guidance_entries WHERE library_id = $2 AND status = 'approved'`,
          [row!.id, library.id],
        );
        return row!.id;
      });
      return this.get(library.id, id);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`a release named "${name}" already exists in this library`, { field: 'name' });
      throw err;
    }
  }

  list(libraryId: string): Promise<Release[]> {
    return this.db.query<Release>(`SELECT ${COLUMNS} FROM library_releases r WHERE r.library_id = $1 ORDER BY r.created_at DESC, r.id`, [libraryId]);
  }

  async get(libraryId: string, id: string): Promise<Release> {
    const [row] = await this.db.query<Release>(`SELECT ${COLUMNS} FROM library_releases r WHERE r.library_id = $1 AND r.id = $2`, [libraryId, id]);
    if (row === undefined) throw new NotFoundError('release', id);
    return row;
  }

  async entries(libraryId: string, id: string): Promise<ReleaseEntry[]> {
    await this.get(libraryId, id);
    return this.db.query<ReleaseEntry>('SELECT entry_id, version FROM library_release_entries WHERE release_id = $1 ORDER BY entry_id', [id]);
  }

  /**
   * Makes the approved set the release's again: each of its entries back at its version (restored
   * as a new version), every other approved entry retired; drafts are left alone. Entry by entry,
   * each a write of its own (chunks are embedded per entry), so a rollback that fails half-way is
   * finished by running it again.
   */
  async rollback(library: Library, id: string, actor: Actor): Promise<RollbackResult> {
    const release = await this.get(library.id, id);
    // Per entry of the release: whether it still exists, and whether it is approved with that version's content already.
    const wanted = await this.db.query<ReleaseEntry & { present: boolean; same: boolean }>(
      `SELECT r.entry_id, r.version, e.id IS NOT NULL AS present,
              coalesce(e.status = 'approved' AND e.scenario = v.scenario AND e.guidance = v.guidance AND e.examples = v.examples
                       AND e.tags = v.tags AND e.policy_refs = v.policy_refs AND e.after_tools = v.after_tools
                       AND e.before_tools = v.before_tools AND e.always_on = v.always_on AND e.priority = v.priority
                       AND e.excludes = v.excludes AND e.requires = v.requires
                       AND e.procedure IS NOT DISTINCT FROM v.procedure, false) AS same
       FROM library_release_entries r
       LEFT JOIN guidance_entries e ON e.id = r.entry_id
       LEFT JOIN guidance_versions v ON v.entry_id = r.entry_id AND v.version = r.version
       WHERE r.release_id = $1 ORDER BY r.entry_id`,
      [id],
    );
    const current = await this.db.query<{ id: string; status: string }>('SELECT id, status FROM guidance_entries WHERE library_id = $1 ORDER BY seq', [library.id]);
    const inRelease = new Set(wanted.map((w) => w.entry_id));
    const why = { keyId: actor.keyId, reason: actor.reason ?? `rollback to release ${release.name}` };
    const result: RollbackResult = { release, restored: [], retired: [], unchanged: [], missing: [] };
    for (const w of wanted) {
      if (!w.present) result.missing.push(w.entry_id);
      else if (w.same) result.unchanged.push(w.entry_id);
      else {
        await this.guidance.restore(library, w.entry_id, w.version, why);
        result.restored.push({ entry_id: w.entry_id, version: w.version });
      }
    }
    for (const entry of current) {
      if (entry.status !== 'approved' || inRelease.has(entry.id)) continue;
      await this.guidance.update(library, entry.id, { status: 'retired' }, why);
      result.retired.push(entry.id);
    }
    return result;
  }
}
