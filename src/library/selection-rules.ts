import type { Queryable } from '../db/db.js';
import { ValidationError } from '../errors.js';
import { NO_RULES, type GuidanceStatus, type ProcedureInput, type ProcedureStep, type RulesInput, type SelectionRules } from './types.js';

/**
 * Always-on entries of a library that are not retired. They are in every prompt on top of the k
 * retrieved ones, so the core stays small; retrieval takes no more than this either (the highest
 * priority first), should concurrent writes ever pass the check together.
 */
export const MAX_ALWAYS_ON = 5;

/** One entry being written: where its input is in the request, and the rules it asks for (references as given). */
export interface RulesWrite {
  field: string;
  id: string;
  external_id: string | null;
  status: GuidanceStatus;
  rules: RulesInput;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const refList = (list: string[] | undefined) => [...new Set((list ?? []).map((ref) => ref.trim()).filter((ref) => ref !== ''))];

/** Whether two entries' rules are the same (references compared as the sorted ids they resolve to). */
export function sameRules(a: SelectionRules, b: SelectionRules): boolean {
  return (
    a.always_on === b.always_on &&
    a.priority === b.priority &&
    a.excludes.join() === b.excludes.join() &&
    a.requires.join() === b.requires.join() &&
    a.procedure?.name === b.procedure?.name &&
    a.procedure?.step === b.procedure?.step &&
    a.procedure?.tool === b.procedure?.tool
  );
}

/** The procedure step as stored: its name trimmed, no tool as null. */
function procedureStep(input: ProcedureInput | null | undefined, field: string): ProcedureStep | null {
  if (input == null) return null;
  const name = input.name.trim();
  if (name === '') throw ValidationError.at(`${field}.procedure.name`, 'must not be blank');
  return { name, step: input.step, tool: input.tool ?? null };
}

/**
 * The rules of each written entry with their references resolved to entry ids of the library,
 * checked together with the library's other entries: a reference must name another entry of
 * this library (by id or external_id, the request's own entries included); requires must not
 * form a cycle; an always-on entry requires nothing (it is in every prompt whatever else is);
 * and the library keeps at most MAX_ALWAYS_ON always-on entries. Errors name the input's field.
 */
export async function resolveRules(db: Queryable, libraryId: string, writes: RulesWrite[]): Promise<Map<string, SelectionRules>> {
  const refs = [...new Set(writes.flatMap((w) => [...refList(w.rules.excludes), ...refList(w.rules.requires)]))];
  const known = await knownEntries(db, libraryId, refs);
  for (const w of writes) {
    known.byId.set(w.id, w.id);
    if (w.external_id !== null) known.byExternal.set(w.external_id, w.id);
  }
  const resolved = new Map<string, SelectionRules>();
  for (const w of writes) {
    const resolve = (key: 'excludes' | 'requires') =>
      refList(w.rules[key]).map((ref) => {
        const id = known.byId.get(ref.toLowerCase()) ?? known.byExternal.get(ref);
        if (id === undefined) throw ValidationError.at(`${w.field}.${key}`, `names "${ref}", which is no entry of this library`);
        if (id === w.id) throw ValidationError.at(`${w.field}.${key}`, `names the entry itself ("${ref}")`);
        return id;
      });
    const rules: SelectionRules = {
      always_on: w.rules.always_on ?? NO_RULES.always_on,
      priority: w.rules.priority ?? NO_RULES.priority,
      excludes: [...new Set(resolve('excludes'))].sort(),
      requires: [...new Set(resolve('requires'))].sort(),
      procedure: procedureStep(w.rules.procedure, w.field),
    };
    if (rules.always_on && rules.requires.length > 0) {
      throw ValidationError.at(`${w.field}.requires`, 'must be empty on an always_on entry: it is in every prompt whatever else is');
    }
    resolved.set(w.id, rules);
  }
  if (writes.some((w) => resolved.get(w.id)!.requires.length > 0)) await checkNoCycle(db, libraryId, writes, resolved);
  if (writes.some((w) => resolved.get(w.id)!.always_on && w.status !== 'retired')) await checkAlwaysOnCap(db, libraryId, writes, resolved);
  return resolved;
}

async function knownEntries(db: Queryable, libraryId: string, refs: string[]): Promise<{ byId: Map<string, string>; byExternal: Map<string, string> }> {
  const rows =
    refs.length === 0
      ? []
      : await db.query<{ id: string; external_id: string | null }>(
          'SELECT id::text, external_id FROM guidance_entries WHERE library_id = $1 AND (id = ANY($2::uuid[]) OR external_id = ANY($3::text[]))',
          [libraryId, refs.filter((ref) => UUID.test(ref)), refs],
        );
  return {
    byId: new Map(rows.map((r) => [r.id, r.id])),
    byExternal: new Map(rows.filter((r) => r.external_id !== null).map((r) => [r.external_id!, r.id])),
  };
}

/** The library's requires graph with the written entries' new edges must stay acyclic. */
async function checkNoCycle(db: Queryable, libraryId: string, writes: RulesWrite[], resolved: Map<string, SelectionRules>): Promise<void> {
  const rows = await db.query<{ id: string; requires: string[] }>(
    'SELECT id::text, requires::text[] FROM guidance_entries WHERE library_id = $1 AND cardinality(requires) > 0',
    [libraryId],
  );
  const edges = new Map(rows.map((r) => [r.id, r.requires]));
  for (const [id, rules] of resolved) edges.set(id, rules.requires);
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (done.has(id)) return null;
    const at = path.indexOf(id);
    if (at >= 0) return [...path.slice(at), id];
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== null) return cycle;
    }
    path.pop();
    done.add(id);
    return null;
  };
  for (const w of writes) {
    const cycle = visit(w.id);
    if (cycle !== null) throw ValidationError.at(`${w.field}.requires`, `would make a cycle of requires: ${cycle.join(' → ')}`);
  }
}

async function checkAlwaysOnCap(db: Queryable, libraryId: string, writes: RulesWrite[], resolved: Map<string, SelectionRules>): Promise<void> {
  const rows = await db.query<{ id: string }>(
    "SELECT id::text FROM guidance_entries WHERE library_id = $1 AND always_on AND status <> 'retired' AND NOT (id = ANY($2::uuid[]))",
    [libraryId, writes.map((w) => w.id)],
  );
  let count = rows.length;
  for (const w of writes) {
    if (!resolved.get(w.id)!.always_on || w.status === 'retired') continue;
    count++;
    if (count > MAX_ALWAYS_ON) {
      throw ValidationError.at(`${w.field}.always_on`, `would make more than ${MAX_ALWAYS_ON} always-on entries in this library: retire or unset one first`);
    }
  }
}
