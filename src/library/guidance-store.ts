import { randomUUID } from 'node:crypto';
import { replaceChunks } from '../chunk-index/chunk-writer.js';
import { embedEntries } from '../chunk-index/entry-chunks.js';
import type { Db, Queryable } from '../db/db.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Embedders } from '../retrieval/embedders.js';
import { checkAppliesWhen, contentHash, normaliseContent } from './content.js';
import { findNearDuplicates, type NearDuplicate } from './near-duplicates.js';
import { resolveRules, sameRules } from './selection-rules.js';
import type { Actor, AppliesWhen, GuidanceContent, GuidanceEntry, GuidanceInput, GuidanceStatus, GuidanceVersion, Library, RulesInput, SelectionRules } from './types.js';

const APPLIES_WHEN = "jsonb_build_object('after_tools', after_tools, 'before_tools', before_tools) AS applies_when";
const RULES = 'always_on, priority, excludes::text[] AS excludes, requires::text[] AS requires, procedure';
const ENTRY_COLUMNS =
  `id, library_id, external_id, scenario, guidance, examples, tags, policy_refs, ${APPLIES_WHEN}, ${RULES}, status, version, provenance, created_at, updated_at`;
const PENDING_REVISION = `(SELECT jsonb_build_object('id', r.id, 'base_version', r.base_version, 'created_at', r.created_at)
  FROM guidance_revisions r WHERE r.entry_id = guidance_entries.id AND r.status = 'pending') AS pending_revision`;
// The unique index on (library_id, external_id), see migrations/001_init.sql.
const EXTERNAL_ID_TAKEN = 'guidance_entries_external_id_key';
// Statements stay a few MB even with large vectors.
const WRITE_BATCH = 500;
// Reads of an entry an update without expected_version makes before it gives up on a busy entry.
const UPDATE_ATTEMPTS = 3;

/** Another write to the entry landed between an update's read and its write. */
class ChangedConcurrently extends ConflictError {}

export interface CreatedEntry {
  entry: GuidanceEntry;
  near_duplicates: NearDuplicate[];
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  ids: string[];
}

export interface ListFilters {
  status?: GuidanceStatus[];
  tags?: string[];
  q?: string;
}

export interface ListQuery extends ListFilters {
  limit: number;
  cursor?: string;
}

/** `applies_when` replaces the entry's conditions whole: a list it leaves out is emptied. */
export interface GuidancePatch extends Partial<Omit<GuidanceContent, 'applies_when'>>, RulesInput {
  applies_when?: Partial<AppliesWhen>;
  status?: GuidanceStatus;
  external_id?: string | null;
  /** Optimistic concurrency: the change applies only to this version. */
  expectedVersion?: number;
  /** Replaces the provenance (the teacher records its verdict); not open to API callers. */
  provenance?: Record<string, unknown>;
}

interface Planned {
  id: string;
  isNew: boolean;
  external_id: string | null;
  content: GuidanceContent;
  rules: SelectionRules;
  hash: string;
  status: GuidanceStatus;
  provenance: Record<string, unknown>;
}

interface Existing extends SelectionRules {
  id: string;
  external_id: string | null;
  content_hash: string;
  status: GuidanceStatus;
}

// seq is a bigint: a larger number would reach Postgres and fail there.
const MAX_SEQ = 2n ** 63n - 1n;

function encodeCursor(seq: string): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const seq = /^s:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))?.[1];
  // Base64 decoding skips what it cannot read, so only a cursor that re-encodes to itself is one we issued.
  if (seq === undefined || BigInt(seq) > MAX_SEQ || encodeCursor(seq) !== cursor) {
    const problem = 'is not a cursor this service issued';
    throw new ValidationError(`query.cursor ${problem}`, [{ field: 'query.cursor', message: problem }]);
  }
  return seq;
}

/** The entries of a library matching the filters, after seq `after`, in seq order. */
function select(libraryId: string, filters: ListFilters, after?: string, limit?: number): [string, unknown[]] {
  const params: unknown[] = [libraryId];
  const where = ['library_id = $1'];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (after !== undefined) add((n) => `seq > ${n}::bigint`, after);
  if (filters.status !== undefined && filters.status.length > 0) add((n) => `status = ANY(${n}::text[])`, filters.status);
  if (filters.tags !== undefined && filters.tags.length > 0) add((n) => `tags @> ${n}::text[]`, filters.tags);
  if (filters.q !== undefined && filters.q.trim() !== '') add((n) => `search_tsv @@ websearch_to_tsquery('english', ${n})`, filters.q);
  // The text copy must not be called seq: ORDER BY seq would then sort by it, as text (10 < 9).
  let sql = `SELECT ${ENTRY_COLUMNS}, seq::text AS page_seq FROM guidance_entries WHERE ${where.join(' AND ')} ORDER BY seq`;
  if (limit !== undefined) {
    params.push(limit);
    sql += ` LIMIT $${params.length}`;
  }
  return [sql, params];
}

/**
 * Guidance entries of a library: every write creates a version row, and chunks for search are
 * re-embedded only when content changes. Writes are atomic per call.
 */
export class GuidanceStore {
  constructor(
    private readonly db: Db,
    private readonly embedders: Embedders,
    private readonly duplicateThreshold: number,
  ) {}

  /** The answer is read in the write's transaction, so `alsoStore` (an idempotent request's response) commits with it. */
  async create(
    library: Library,
    input: GuidanceInput,
    actor: Actor,
    alsoStore?: (tx: Queryable, libraryId: string, created: CreatedEntry) => Promise<void>,
  ): Promise<CreatedEntry> {
    const embedder = this.embedders.get(library.embedder);
    let created: CreatedEntry | undefined;
    await this.write(library, [input], actor, () => 'body', async (tx, [id]) => {
      const [entry] = await tx.query<GuidanceEntry>(`SELECT ${ENTRY_COLUMNS} FROM guidance_entries WHERE library_id = $1 AND id = $2`, [library.id, id]);
      created = { entry: entry!, near_duplicates: await findNearDuplicates(tx, library, embedder, entry!, this.duplicateThreshold) };
      await alsoStore?.(tx, library.id, created);
    });
    return created!;
  }

  /**
   * Creates, updates (as a new version) or leaves alone each item; all or nothing. `firstInTransaction`
   * runs before anything is written and may refuse the write by throwing (the teacher re-checks for a
   * near-duplicate written meanwhile there, under its lock).
   */
  import(library: Library, inputs: GuidanceInput[], actor: Actor, firstInTransaction?: (tx: Queryable) => Promise<void>): Promise<ImportResult> {
    return this.write(library, inputs, actor, (index) => `body.${index}`, undefined, firstInTransaction);
  }

  /** `field` names an input in errors: the body itself for one entry, an item of it for an import. */
  private async write(
    library: Library,
    inputs: GuidanceInput[],
    actor: Actor,
    field: (index: number) => string,
    lastInTransaction?: (tx: Queryable, ids: string[]) => Promise<void>,
    firstInTransaction?: (tx: Queryable) => Promise<void>,
  ): Promise<ImportResult> {
    const seen = new Set<string>();
    inputs.forEach((input, index) => {
      const key = input.external_id ?? undefined;
      if (key === undefined) return;
      if (seen.has(key)) throw new ValidationError(`body.${index}.external_id "${key}" appears twice in one request`, { field: `${index}.external_id` });
      seen.add(key);
    });
    const embedder = this.embedders.get(library.embedder);
    const existing = await this.existing(library.id, inputs);
    const plan: Planned[] = [];
    let unchanged = 0;
    const ids: string[] = [];
    const matches = inputs.map(
      (input) => (input.external_id != null ? existing.byExternal.get(input.external_id) : undefined) ?? (input.id !== undefined ? existing.byId.get(input.id) : undefined),
    );
    const targetIds = matches.map((match) => match?.id ?? randomUUID());
    // People curated what they write or import; the teacher marks its own entries draft.
    const statuses = inputs.map((input, index) => input.status ?? matches[index]?.status ?? 'approved');
    const rulesById = await resolveRules(
      this.db,
      library.id,
      inputs.map((input, index) => ({
        field: field(index), id: targetIds[index]!, external_id: matches[index]?.external_id ?? input.external_id ?? null, status: statuses[index]!, rules: input,
      })),
    );
    for (const [index, input] of inputs.entries()) {
      const content = normaliseContent(input);
      checkAppliesWhen(content, `${field(index)}.applies_when`);
      const hash = contentHash(content);
      const match = matches[index];
      const rules = rulesById.get(targetIds[index]!)!;
      const status = statuses[index]!;
      const provenance = { source: 'api', ...input.provenance, created_by: actor.keyId };
      if (match === undefined) {
        plan.push({ id: targetIds[index]!, isNew: true, external_id: input.external_id ?? null, content, rules, hash, status, provenance });
      } else if (match.content_hash !== hash || status !== match.status || !sameRules(rules, match)) {
        plan.push({ id: match.id, isNew: false, external_id: match.external_id, content, rules, hash, status, provenance });
      } else {
        unchanged++;
        ids.push(match.id);
        continue;
      }
      ids.push(plan[plan.length - 1]!.id);
    }
    const chunks = await embedEntries(embedder, plan.map((p) => ({ id: p.id, content: p.content })));
    try {
      await this.db.transaction(async (tx) => {
        await firstInTransaction?.(tx);
        await lockEmbedder(tx, library.id, embedder.id);
        for (let start = 0; start < plan.length; start += WRITE_BATCH) {
          const batch = plan.slice(start, start + WRITE_BATCH);
          const created = batch.filter((p) => p.isNew);
          const updated = batch.filter((p) => !p.isNew);
          if (created.length > 0) await this.insertEntries(tx, library.id, created);
          if (updated.length > 0) await this.updateEntries(tx, library.id, updated);
          await this.recordVersions(tx, batch.map((p) => p.id), actor, 'update', created.map((p) => p.id));
          const batchIds = new Set(batch.map((p) => p.id));
          await replaceChunks(tx, library.id, embedder, [...batchIds], chunks.filter((c) => batchIds.has(c.entryId)));
        }
        await lastInTransaction?.(tx, ids);
      });
    } catch (err) {
      if (isUniqueViolation(err, EXTERNAL_ID_TAKEN)) throw new ConflictError('an entry with the same external_id was written concurrently; retry the request');
      throw err;
    }
    return { created: plan.filter((p) => p.isNew).length, updated: plan.filter((p) => !p.isNew).length, unchanged, ids };
  }

  private async existing(libraryId: string, inputs: GuidanceInput[]): Promise<{ byExternal: Map<string, Existing>; byId: Map<string, Existing> }> {
    const externalIds = inputs.map((i) => i.external_id).filter((x): x is string => x != null);
    const ids = inputs.map((i) => i.id).filter((x): x is string => x !== undefined);
    const rows =
      externalIds.length + ids.length === 0
        ? []
        : await this.db.query<Existing>(
            `SELECT id, external_id, content_hash, status, ${RULES} FROM guidance_entries
             WHERE library_id = $1 AND (external_id = ANY($2::text[]) OR id = ANY($3::uuid[]))`,
            [libraryId, externalIds, ids],
          );
    return {
      byExternal: new Map(rows.filter((r) => r.external_id !== null).map((r) => [r.external_id!, r])),
      byId: new Map(rows.map((r) => [r.id, r])),
    };
  }

  private async insertEntries(tx: Queryable, libraryId: string, rows: Planned[]): Promise<void> {
    await tx.query(
      `INSERT INTO guidance_entries (id, library_id, external_id, scenario, guidance, examples, tags, policy_refs, after_tools, before_tools,
                                     always_on, priority, excludes, requires, procedure, status, provenance, content_hash)
       SELECT x.id, $1, x.external_id, x.scenario, x.guidance, x.examples, x.tags, x.policy_refs, x.after_tools, x.before_tools,
              x.always_on, x.priority, x.excludes, x.requires, x.procedure, x.status, x.provenance, x.content_hash
       FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, external_id text, scenario text, guidance text, examples text[], tags text[],
                                                 policy_refs text[], after_tools text[], before_tools text[], always_on boolean, priority integer,
                                                 excludes uuid[], requires uuid[], procedure jsonb, status text, provenance jsonb, content_hash text)`,
      [libraryId, JSON.stringify(rows.map((p) => ({ id: p.id, external_id: p.external_id, ...columns(p.content), ...p.rules, status: p.status, provenance: p.provenance, content_hash: p.hash })))],
    );
  }

  private async updateEntries(tx: Queryable, libraryId: string, rows: Planned[]): Promise<void> {
    await tx.query(
      `UPDATE guidance_entries e
       SET scenario = x.scenario, guidance = x.guidance, examples = x.examples, tags = x.tags, policy_refs = x.policy_refs,
           after_tools = x.after_tools, before_tools = x.before_tools,
           always_on = x.always_on, priority = x.priority, excludes = x.excludes, requires = x.requires, procedure = x.procedure,
           status = x.status, provenance = x.provenance, content_hash = x.content_hash, version = e.version + 1, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, scenario text, guidance text, examples text[], tags text[],
                                               policy_refs text[], after_tools text[], before_tools text[], always_on boolean, priority integer,
                                               excludes uuid[], requires uuid[], procedure jsonb, status text, provenance jsonb, content_hash text)
       WHERE e.id = x.id AND e.library_id = $1`,
      [libraryId, JSON.stringify(rows.map((p) => ({ id: p.id, ...columns(p.content), ...p.rules, status: p.status, provenance: p.provenance, content_hash: p.hash })))],
    );
  }

  /** Snapshots the entries' current rows as versions: `createdIds` as 'create', the others as `change`. */
  private async recordVersions(
    tx: Queryable,
    ids: string[],
    actor: Actor,
    change: Exclude<GuidanceVersion['change'], 'create'>,
    createdIds: string[] = [],
  ): Promise<void> {
    await tx.query(
      `INSERT INTO guidance_versions (entry_id, version, scenario, guidance, examples, tags, policy_refs, after_tools, before_tools,
                                      always_on, priority, excludes, requires, procedure, status, provenance, change, reason, changed_by)
       SELECT id, version, scenario, guidance, examples, tags, policy_refs, after_tools, before_tools, always_on, priority, excludes, requires,
              procedure, status, provenance,
              CASE WHEN id = ANY($5::uuid[]) THEN 'create' ELSE $2::text END, $3, $4
       FROM guidance_entries WHERE id = ANY($1::uuid[])`,
      [ids, change, actor.reason ?? null, actor.keyId, createdIds],
    );
  }

  /** The entry, with the revision of it waiting for review, if any (see GuidanceRevisions). */
  async get(libraryId: string, id: string): Promise<GuidanceEntry> {
    const [row] = await this.db.query<GuidanceEntry>(
      `SELECT ${ENTRY_COLUMNS}, ${PENDING_REVISION} FROM guidance_entries WHERE library_id = $1 AND id = $2`,
      [libraryId, id],
    );
    if (row === undefined) throw new NotFoundError('guidance entry', id);
    return row;
  }

  async list(libraryId: string, query: ListQuery): Promise<{ items: GuidanceEntry[]; next_cursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.db.query<GuidanceEntry & { page_seq: string }>(...select(libraryId, query, after, query.limit + 1));
    const page = rows.slice(0, query.limit);
    const next = rows.length > query.limit ? encodeCursor(page[page.length - 1]!.page_seq) : null;
    return { items: page.map(({ page_seq: _seq, ...entry }) => entry), next_cursor: next };
  }

  /**
   * Every entry matching the filters, in insertion order. One statement, so one snapshot: a write
   * committed meanwhile is wholly in or wholly out, and no transaction stays open while a slow
   * client downloads.
   */
  async exportAll(libraryId: string, filters: ListFilters): Promise<GuidanceEntry[]> {
    const rows = await this.db.query<GuidanceEntry & { page_seq: string }>(...select(libraryId, filters));
    return rows.map(({ page_seq: _seq, ...entry }) => entry);
  }

  /**
   * Applies a change as a new version; a change that alters nothing returns the entry as is.
   * `inTransaction` writes beside the change, in its transaction, given the new version. Without
   * `expectedVersion` the change is meant for whatever version is current, so a write that lands
   * between this one's read and its write is read again rather than refused.
   */
  async update(
    library: Library,
    id: string,
    patch: GuidancePatch,
    actor: Actor,
    inTransaction?: (tx: Queryable, version: number) => Promise<void>,
  ): Promise<{ entry: GuidanceEntry; near_duplicates: NearDuplicate[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.updateOnce(library, id, patch, actor, inTransaction);
      } catch (err) {
        if (!(err instanceof ChangedConcurrently) || patch.expectedVersion !== undefined || attempt >= UPDATE_ATTEMPTS) throw err;
      }
    }
  }

  private async updateOnce(
    library: Library,
    id: string,
    patch: GuidancePatch,
    actor: Actor,
    inTransaction?: (tx: Queryable, version: number) => Promise<void>,
  ): Promise<{ entry: GuidanceEntry; near_duplicates: NearDuplicate[] }> {
    const current = await this.get(library.id, id);
    if (patch.expectedVersion !== undefined && patch.expectedVersion !== current.version) {
      throw new ConflictError(`entry ${id} is at version ${current.version}, not ${patch.expectedVersion}`, { version: current.version });
    }
    const content = normaliseContent({ ...current, ...dropUndefined(patch) });
    checkAppliesWhen(content, 'body.applies_when');
    const status = patch.status ?? current.status;
    const externalId = patch.external_id !== undefined ? patch.external_id : current.external_id;
    const asked = { always_on: patch.always_on, priority: patch.priority, excludes: patch.excludes, requires: patch.requires, procedure: patch.procedure };
    const rules = (await resolveRules(this.db, library.id, [{ field: 'body', id, external_id: externalId, status, rules: { ...current, ...dropUndefined(asked) } }])).get(id)!;
    const contentChanged = contentHash(content) !== contentHash(normaliseContent(current));
    const externalChanged = patch.external_id !== undefined && patch.external_id !== current.external_id;
    const provenanceChanged = patch.provenance !== undefined;
    const rulesChanged = !sameRules(rules, current);
    if (!contentChanged && status === current.status && !externalChanged && !provenanceChanged && !rulesChanged) return { entry: current, near_duplicates: [] };
    const embedder = this.embedders.get(library.embedder);
    const chunks = contentChanged ? await embedEntries(embedder, [{ id, content }]) : [];
    try {
      await this.db.transaction(async (tx) => {
        if (contentChanged) await lockEmbedder(tx, library.id, embedder.id);
        const [row] = await tx.query<{ version: number }>(
          `UPDATE guidance_entries SET scenario = $3, guidance = $4, examples = $5, tags = $6, policy_refs = $7, status = $8,
                  external_id = $9, content_hash = $10, after_tools = $12, before_tools = $13, provenance = coalesce($14::jsonb, provenance),
                  always_on = $15, priority = $16, excludes = $17::uuid[], requires = $18::uuid[], procedure = $19::jsonb,
                  version = version + 1, updated_at = now()
           WHERE library_id = $1 AND id = $2 AND version = $11 RETURNING version`,
          [library.id, id, content.scenario, content.guidance, content.examples, content.tags, content.policy_refs, status,
           externalId, contentHash(content), current.version,
           content.applies_when.after_tools, content.applies_when.before_tools, provenanceChanged ? JSON.stringify(patch.provenance) : null,
           rules.always_on, rules.priority, rules.excludes, rules.requires, jsonOrNull(rules.procedure)],
        );
        if (row === undefined) throw new ChangedConcurrently(`entry ${id} changed concurrently; retry`);
        await this.recordVersions(tx, [id], actor, contentChanged || externalChanged || rulesChanged ? 'update' : 'status');
        if (contentChanged) await replaceChunks(tx, library.id, embedder, [id], chunks);
        await inTransaction?.(tx, row.version);
      });
    } catch (err) {
      if (isUniqueViolation(err, EXTERNAL_ID_TAKEN)) throw new ConflictError(`external_id "${patch.external_id}" is already used in this library`, { field: 'external_id' });
      throw err;
    }
    const entry = await this.get(library.id, id);
    const near = contentChanged ? await findNearDuplicates(this.db, library, embedder, entry, this.duplicateThreshold) : [];
    return { entry, near_duplicates: near };
  }

  async history(libraryId: string, id: string): Promise<GuidanceVersion[]> {
    await this.get(libraryId, id);
    return this.db.query<GuidanceVersion>(
      `SELECT entry_id, version, scenario, guidance, examples, tags, policy_refs, ${APPLIES_WHEN}, ${RULES}, status, provenance, change, reason,
              changed_by, created_at
       FROM guidance_versions WHERE entry_id = $1 ORDER BY version DESC`,
      [id],
    );
  }

  /** Brings back an earlier version's content and status as a new version. */
  async restore(library: Library, id: string, version: number, actor: Actor): Promise<GuidanceEntry> {
    const [old] = await this.db.query<GuidanceVersion>(
      `SELECT v.scenario, v.guidance, v.examples, v.tags, v.policy_refs, v.status, v.always_on, v.priority,
              v.excludes::text[] AS excludes, v.requires::text[] AS requires, v.procedure,
              jsonb_build_object('after_tools', v.after_tools, 'before_tools', v.before_tools) AS applies_when
       FROM guidance_versions v JOIN guidance_entries e ON e.id = v.entry_id
       WHERE e.library_id = $1 AND v.entry_id = $2 AND v.version = $3`,
      [library.id, id, version],
    );
    if (old === undefined) throw new NotFoundError(`version ${version} of guidance entry`, id);
    const current = await this.get(library.id, id);
    const content = normaliseContent(old);
    // The other entries may have changed since: the old rules must still fit them (no cycle, the always-on cap).
    const rules = (await resolveRules(this.db, library.id, [{ field: 'body.version', id, external_id: current.external_id, status: old.status, rules: old }])).get(id)!;
    const embedder = this.embedders.get(library.embedder);
    const chunks = await embedEntries(embedder, [{ id, content }]);
    await this.db.transaction(async (tx) => {
      await lockEmbedder(tx, library.id, embedder.id);
      const [row] = await tx.query(
        `UPDATE guidance_entries SET scenario = $3, guidance = $4, examples = $5, tags = $6, policy_refs = $7, status = $8,
                content_hash = $9, after_tools = $11, before_tools = $12, always_on = $13, priority = $14, excludes = $15::uuid[],
                requires = $16::uuid[], procedure = $17::jsonb, version = version + 1, updated_at = now()
         WHERE library_id = $1 AND id = $2 AND version = $10 RETURNING id`,
        [library.id, id, content.scenario, content.guidance, content.examples, content.tags, content.policy_refs, old.status, contentHash(content), current.version,
         content.applies_when.after_tools, content.applies_when.before_tools, rules.always_on, rules.priority, rules.excludes, rules.requires,
         jsonOrNull(rules.procedure)],
      );
      if (row === undefined) throw new ConflictError(`entry ${id} changed concurrently; retry`);
      await this.recordVersions(tx, [id], { ...actor, reason: actor.reason ?? `restored version ${version}` }, 'restore');
      await replaceChunks(tx, library.id, embedder, [id], chunks);
    });
    return this.get(library.id, id);
  }

  /**
   * A reviewed revision's content and provenance as the entry's next version, its status kept;
   * `inTransaction` records the verdict in the same transaction, given the new version.
   */
  async applyRevision(
    library: Library,
    id: string,
    revision: GuidanceContent & { provenance: Record<string, unknown> },
    actor: Actor,
    inTransaction: (tx: Queryable, version: number) => Promise<void>,
  ): Promise<GuidanceEntry> {
    const current = await this.get(library.id, id);
    const content = normaliseContent(revision);
    checkAppliesWhen(content, 'revision.applies_when');
    const embedder = this.embedders.get(library.embedder);
    const chunks = await embedEntries(embedder, [{ id, content }]);
    await this.db.transaction(async (tx) => {
      await lockEmbedder(tx, library.id, embedder.id);
      const [row] = await tx.query<{ version: number }>(
        `UPDATE guidance_entries SET scenario = $3, guidance = $4, examples = $5, tags = $6, policy_refs = $7, provenance = $8,
                content_hash = $9, after_tools = $11, before_tools = $12, version = version + 1, updated_at = now()
         WHERE library_id = $1 AND id = $2 AND version = $10 RETURNING version`,
        [library.id, id, content.scenario, content.guidance, content.examples, content.tags, content.policy_refs, JSON.stringify(revision.provenance),
         contentHash(content), current.version, content.applies_when.after_tools, content.applies_when.before_tools],
      );
      if (row === undefined) throw new ConflictError(`entry ${id} changed concurrently; retry`);
      await this.recordVersions(tx, [id], actor, 'update');
      await replaceChunks(tx, library.id, embedder, [id], chunks);
      await inTransaction(tx, row.version);
    });
    return this.get(library.id, id);
  }
}

/**
 * Chunks are embedded before the transaction with the library's embedder as read then. Holding the
 * library row FOR SHARE from the transaction's first statement orders this write against a
 * re-embed job's switch (FOR NO KEY UPDATE): either the switch sees this write, or this write sees
 * the switch and is refused, to be retried with the new embedder.
 */
async function lockEmbedder(tx: Queryable, libraryId: string, embedderId: string): Promise<void> {
  const [row] = await tx.query<{ embedder: string }>('SELECT embedder FROM libraries WHERE id = $1 FOR SHARE', [libraryId]);
  if (row !== undefined && row.embedder !== embedderId) {
    throw new ConflictError('the library switched embedders during this write; retry the request');
  }
}

/** A jsonb parameter: drivers differ in how they send an object, not in how they send its text. */
function jsonOrNull(value: object | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** The content as the entry table's columns: the tool conditions are two arrays there. */
function columns({ applies_when, ...rest }: GuidanceContent) {
  return { ...rest, after_tools: applies_when.after_tools, before_tools: applies_when.before_tools };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
