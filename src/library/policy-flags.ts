import type { Db, Queryable } from '../db/db.js';
import { NotFoundError } from '../errors.js';
import { diffClauses, quoteImpacts } from './policy-clauses.js';

/** An entry whose policy_refs quote a clause that an edit of the library's policy changed or removed. */
export interface PolicyFlag {
  id: string;
  library_id: string;
  entry_id: string;
  /** The entry's version when it was flagged. */
  entry_version: number;
  policy_ref: string;
  old_clause: string;
  /** null: the clause was removed. */
  new_clause: string | null;
  created_at: Date;
}

export interface PolicyFlagEvent {
  libraryId: string;
  flags: PolicyFlag[];
}

/**
 * Told of every policy edit that flagged entries, inside the edit's transaction (`tx`): what it
 * writes commits with the edit (a webhook outbox row, say), and a throw rolls the edit back.
 */
export type PolicyFlagListener = (event: PolicyFlagEvent, tx: Queryable) => Promise<void>;

const FLAG_COLUMNS = 'f.id, f.library_id, f.entry_id, f.entry_version, f.policy_ref, f.old_clause, f.new_clause, f.created_at';

/**
 * A flag stays open until someone resolves it, or until the entry stops quoting the flagged text
 * (an edit of its policy_refs) or is retired.
 */
export const OPEN_FLAG = "f.resolved_at IS NULL AND f.policy_ref = ANY(e.policy_refs) AND e.status <> 'retired'";

export class PolicyFlags {
  private readonly listeners: PolicyFlagListener[] = [];

  constructor(private readonly db: Db) {}

  /** The point where other features (webhooks, metrics) learn of new flags. */
  onFlagged(listener: PolicyFlagListener): void {
    this.listeners.push(listener);
  }

  /** Flags the library's entries (retired ones aside) whose quotes lie in clauses the edit changed or removed. */
  async flagPolicyEdit(tx: Queryable, libraryId: string, oldPolicy: string, newPolicy: string, keyId: string | null): Promise<PolicyFlag[]> {
    const changes = diffClauses(oldPolicy, newPolicy);
    if (changes.length === 0) return [];
    const entries = await tx.query<{ id: string; version: number; policy_refs: string[] }>(
      `SELECT id, version, policy_refs FROM guidance_entries
       WHERE library_id = $1 AND status <> 'retired' AND cardinality(policy_refs) > 0 ORDER BY seq`,
      [libraryId],
    );
    const rows = entries.flatMap((entry) =>
      quoteImpacts(entry.policy_refs, changes).map((impact) => ({ entry, ref: impact.policyRef, old: impact.change.old, new: impact.change.new })),
    );
    if (rows.length === 0) return [];
    const flags = await tx.query<PolicyFlag>(
      `INSERT INTO guidance_policy_flags AS f (library_id, entry_id, entry_version, policy_ref, old_clause, new_clause, flagged_by)
       SELECT $1, r.entry_id, r.version, r.ref, r.old, r.new, $7
       FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS r(entry_id, version, ref, old, new, n)
       ORDER BY r.n
       RETURNING ${FLAG_COLUMNS}`,
      [libraryId, rows.map((r) => r.entry.id), rows.map((r) => r.entry.version), rows.map((r) => r.ref), rows.map((r) => r.old), rows.map((r) => r.new), keyId],
    );
    for (const listener of this.listeners) await listener({ libraryId, flags }, tx);
    return flags;
  }

  /** Entries with an open flag, which a library with serve_needs_review off does not serve. */
  async flaggedEntryIds(libraryId: string): Promise<Set<string>> {
    const rows = await this.db.query<{ entry_id: string }>(
      `SELECT DISTINCT f.entry_id FROM guidance_policy_flags f JOIN guidance_entries e ON e.id = f.entry_id
       WHERE f.library_id = $1 AND ${OPEN_FLAG}`,
      [libraryId],
    );
    return new Set(rows.map((r) => r.entry_id));
  }

  async openFlags(libraryId: string, entryId: string): Promise<PolicyFlag[]> {
    return this.db.query<PolicyFlag>(
      `SELECT ${FLAG_COLUMNS} FROM guidance_policy_flags f JOIN guidance_entries e ON e.id = f.entry_id
       WHERE f.library_id = $1 AND f.entry_id = $2 AND ${OPEN_FLAG} ORDER BY f.created_at, f.id`,
      [libraryId, entryId],
    );
  }

  /** Someone checked the entry against the new policy and keeps it as it is. */
  async resolve(libraryId: string, entryId: string, keyId: string | null, reason: string): Promise<PolicyFlag[]> {
    const resolved = await this.db.query<PolicyFlag>(
      `UPDATE guidance_policy_flags f SET resolved_at = now(), resolved_by = $3, resolution = $4
       FROM guidance_entries e
       WHERE e.id = f.entry_id AND f.library_id = $1 AND f.entry_id = $2 AND ${OPEN_FLAG}
       RETURNING ${FLAG_COLUMNS}`,
      [libraryId, entryId, keyId, reason],
    );
    if (resolved.length === 0) throw new NotFoundError('open policy flag of guidance entry', entryId);
    return resolved;
  }
}
