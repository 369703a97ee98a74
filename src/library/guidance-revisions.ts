import type { Db, Queryable } from '../db/db.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { exampleKey, normaliseContent } from './content.js';
import type { GuidanceStore } from './guidance-store.js';
import type { Actor, GuidanceContent, GuidanceEntry, Library } from './types.js';

export const REVISION_STATUSES = ['pending', 'approved', 'rejected', 'superseded'] as const;
export type RevisionStatus = (typeof REVISION_STATUSES)[number];

export interface GuidanceRevision extends GuidanceContent {
  id: string;
  library_id: string;
  entry_id: string;
  base_version: number;
  provenance: Record<string, unknown>;
  status: RevisionStatus;
  proposed_by: string | null;
  created_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  applied_version: number | null;
}

/** A revision beside the entry as it is served now, so a reviewer compares the two. */
export interface RevisionWithEntry extends GuidanceRevision {
  entry: Pick<GuidanceEntry, 'version' | 'status' | 'scenario' | 'guidance' | 'examples' | 'policy_refs'>;
}

const WITH_ENTRY = `r.id, r.library_id, r.entry_id, r.base_version, r.scenario, r.guidance, r.examples, r.tags, r.policy_refs,
  jsonb_build_object('after_tools', r.after_tools, 'before_tools', r.before_tools) AS applies_when, r.provenance, r.status,
  r.proposed_by, r.created_at, r.decided_by, r.decided_at, r.reason, r.applied_version, jsonb_build_object('version', e.version, 'status', e.status, 'scenario', e.scenario, 'guidance', e.guidance,
  'examples', e.examples, 'policy_refs', e.policy_refs) AS entry`;

/** The sources of a provenance: its own `sources` list, or the provenance itself as the one source it names. */
export function provenanceSources(provenance: Record<string, unknown>): Record<string, unknown>[] {
  const listed = provenance.sources;
  if (Array.isArray(listed)) return listed as Record<string, unknown>[];
  const { sources: _s, ...own } = provenance;
  return Object.keys(own).length === 0 ? [] : [own];
}

/** Every source of both, each once (by its job and decision, else by its whole content). */
export function mergeSources(...provenances: Record<string, unknown>[]): Record<string, unknown>[] {
  const seen = new Map<string, Record<string, unknown>>();
  for (const source of provenances.flatMap(provenanceSources)) {
    const key = source.job_id !== undefined ? `${String(source.job_id)}\u0000${String(source.decision_key)}` : JSON.stringify(source);
    if (!seen.has(key)) seen.set(key, source);
  }
  return [...seen.values()];
}

/** Examples of both, the first occurrence of each kept (case and spacing ignored). */
export function mergeExamples(...lists: string[][]): string[] {
  const seen = new Set<string>();
  return lists.flat().filter((example) => {
    const key = exampleKey(example);
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Proposed new content for entries in service. A revision leaves its entry untouched until a
 * reviewer approves it (it then becomes the entry's next version, status kept) or rejects it. A
 * second proposal for the same entry supersedes the pending one, keeping its examples and sources.
 */
export class GuidanceRevisions {
  constructor(
    private readonly db: Db,
    private readonly store: GuidanceStore,
  ) {}

  /** `tx`: a caller's transaction, so the proposal commits with what it wrote beside it. */
  async propose(library: Library, entryId: string, input: GuidanceContent & { provenance: Record<string, unknown> }, actor: Actor, tx?: Queryable): Promise<RevisionWithEntry> {
    const run = (q: Queryable) => this.proposeIn(q, library, entryId, input, actor);
    return tx === undefined ? this.db.transaction(run) : run(tx);
  }

  private async proposeIn(tx: Queryable, library: Library, entryId: string, input: GuidanceContent & { provenance: Record<string, unknown> }, actor: Actor): Promise<RevisionWithEntry> {
    const [entry] = await tx.query<{ version: number; examples: string[]; provenance: Record<string, unknown> }>(
      'SELECT version, examples, provenance FROM guidance_entries WHERE library_id = $1 AND id = $2 FOR UPDATE',
      [library.id, entryId],
    );
    if (entry === undefined) throw new NotFoundError('guidance entry', entryId);
    const [pending] = await tx.query<{ id: string; examples: string[]; provenance: Record<string, unknown> }>(
      "UPDATE guidance_revisions SET status = 'superseded', decided_at = now() WHERE entry_id = $1 AND status = 'pending' RETURNING id, examples, provenance",
      [entryId],
    );
    const content = normaliseContent(input);
    const examples = mergeExamples(entry.examples, pending?.examples ?? [], content.examples);
    const provenance = { ...input.provenance, sources: mergeSources(entry.provenance, pending?.provenance ?? {}, input.provenance) };
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO guidance_revisions (library_id, entry_id, base_version, scenario, guidance, examples, tags, policy_refs, after_tools, before_tools,
                                       provenance, proposed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [library.id, entryId, entry.version, content.scenario, content.guidance, examples, content.tags, content.policy_refs,
       content.applies_when.after_tools, content.applies_when.before_tools, JSON.stringify(provenance), actor.keyId],
    );
    return this.getIn(tx, library.id, row!.id);
  }

  /** A pending revision's text changed in place (a refinement before anyone has seen it). */
  async refine(libraryId: string, revisionId: string, content: Pick<GuidanceContent, 'scenario' | 'guidance' | 'policy_refs'>): Promise<RevisionWithEntry> {
    const [row] = await this.db.query<{ id: string }>(
      "UPDATE guidance_revisions SET scenario = $3, guidance = $4, policy_refs = $5 WHERE library_id = $1 AND id = $2 AND status = 'pending' RETURNING id",
      [libraryId, revisionId, content.scenario.trim(), content.guidance.trim(), content.policy_refs],
    );
    if (row === undefined) throw new ConflictError(`revision ${revisionId} is no longer pending`);
    return this.get(libraryId, revisionId);
  }

  get(libraryId: string, id: string): Promise<RevisionWithEntry> {
    return this.getIn(this.db, libraryId, id);
  }

  private async getIn(db: Queryable, libraryId: string, id: string): Promise<RevisionWithEntry> {
    const [row] = await db.query<RevisionWithEntry>(
      `SELECT ${WITH_ENTRY} FROM guidance_revisions r JOIN guidance_entries e ON e.id = r.entry_id WHERE r.library_id = $1 AND r.id = $2`,
      [libraryId, id],
    );
    if (row === undefined) throw new NotFoundError('guidance revision', id);
    return row;
  }

  /** The library's revisions in one status (pending: the review queue), oldest first, each with its entry as served. */
  list(libraryId: string, status: RevisionStatus, limit: number): Promise<RevisionWithEntry[]> {
    return this.db.query<RevisionWithEntry>(
      `SELECT ${WITH_ENTRY} FROM guidance_revisions r JOIN guidance_entries e ON e.id = r.entry_id
       WHERE r.library_id = $1 AND r.status = $2 ORDER BY r.created_at, r.id LIMIT $3`,
      [libraryId, status, limit],
    );
  }

  /** Every revision of one entry, newest first. */
  async ofEntry(libraryId: string, entryId: string): Promise<RevisionWithEntry[]> {
    await this.store.get(libraryId, entryId);
    return this.db.query<RevisionWithEntry>(
      `SELECT ${WITH_ENTRY} FROM guidance_revisions r JOIN guidance_entries e ON e.id = r.entry_id
       WHERE r.library_id = $1 AND r.entry_id = $2 ORDER BY r.created_at DESC, r.id`,
      [libraryId, entryId],
    );
  }

  /** The revision becomes the entry's next version (its status kept), in one transaction with the revision's verdict. */
  async approve(library: Library, entryId: string, revisionId: string, actor: Actor & { reason: string }): Promise<{ entry: GuidanceEntry; revision: RevisionWithEntry }> {
    const revision = await this.pending(library.id, entryId, revisionId);
    const entry = await this.store.applyRevision(library, entryId, revision, { ...actor, reason: `approve revision ${revisionId}: ${actor.reason}` }, async (tx, version) => {
      const [row] = await tx.query(
        `UPDATE guidance_revisions SET status = 'approved', decided_by = $2, decided_at = now(), reason = $3, applied_version = $4
         WHERE id = $1 AND status = 'pending' RETURNING id`,
        [revisionId, actor.keyId, actor.reason, version],
      );
      if (row === undefined) throw new ConflictError(`revision ${revisionId} was decided concurrently`);
    });
    return { entry, revision: await this.get(library.id, revisionId) };
  }

  async reject(library: Library, entryId: string, revisionId: string, actor: Actor & { reason: string }): Promise<RevisionWithEntry> {
    await this.pending(library.id, entryId, revisionId);
    const [row] = await this.db.query(
      `UPDATE guidance_revisions SET status = 'rejected', decided_by = $2, decided_at = now(), reason = $3 WHERE id = $1 AND status = 'pending' RETURNING id`,
      [revisionId, actor.keyId, actor.reason],
    );
    if (row === undefined) throw new ConflictError(`revision ${revisionId} was decided concurrently`);
    return this.get(library.id, revisionId);
  }

  private async pending(libraryId: string, entryId: string, revisionId: string): Promise<GuidanceRevision> {
    const revision = await this.get(libraryId, revisionId);
    if (revision.entry_id !== entryId) throw new NotFoundError('guidance revision', revisionId);
    if (revision.status !== 'pending') throw new ConflictError(`revision ${revisionId} is ${revision.status}, not pending`, { status: revision.status });
    return revision;
  }
}
