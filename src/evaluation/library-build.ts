import type { ModelPrice } from '../config.js';
import { CoachHttpError } from '../cli.js';
import type { CoachClient, LibrarySnapshot } from './coach-client.js';
import { buildCost, type LibraryBuild } from './cost.js';

/** Every version's provenance of every entry: a merged entry keeps earlier sources only in its history. */
export async function libraryProvenances(coach: CoachClient, snapshot: LibrarySnapshot): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (const entry of snapshot.entries) all.push(...(await coach.provenanceHistory(snapshot.id, entry.id)));
  return all;
}

/** The teacher jobs named in any version's provenance: the jobs that wrote or changed the library's entries. */
export function teacherJobIds(provenances: Iterable<Record<string, unknown>>): string[] {
  const ids = new Set<string>();
  for (const p of provenances) if (p.source === 'teacher' && typeof p.job_id === 'string') ids.add(p.job_id);
  return [...ids].sort();
}

/**
 * What building the library cost in tokens, from each job's usage per role. Reading jobs needs an
 * admin or teacher key; with a narrower key the cost is reported unavailable, with the reason.
 */
export async function libraryBuildCost(coach: CoachClient, jobIds: string[], prices: Record<string, ModelPrice>): Promise<LibraryBuild> {
  if (jobIds.length === 0) return { unavailable: 'no version of any entry was written by a teacher job (a curated or imported library): what building it cost is not in token usage' };
  try {
    const jobs = [];
    for (const id of jobIds) jobs.push(await coach.job(id));
    return buildCost(jobs, prices);
  } catch (err) {
    if (err instanceof CoachHttpError) return { unavailable: `the teacher jobs could not be read (${err.message}); COACH_API_KEY needs an admin or teacher key for that` };
    throw err;
  }
}
