import type { EvalScenario } from './scenarios.js';

/** Provenance fields in which teacher jobs and importers record the scenario or transcript an entry came from. */
function sourceIdsOf(provenance: Record<string, unknown>): string[] {
  const ids: string[] = [];
  for (const field of ['source_id', 'scenario_id', 'transcript_id']) {
    const value = provenance[field];
    if (typeof value === 'string') ids.push(value);
  }
  const many = provenance.source_ids;
  if (Array.isArray(many)) ids.push(...many.filter((v): v is string => typeof v === 'string'));
  return ids;
}

/** Every scenario or transcript id that went into any version of any entry. */
export function trainingSourceIds(provenances: Iterable<Record<string, unknown>>): Set<string> {
  const ids = new Set<string>();
  for (const provenance of provenances) for (const id of sourceIdsOf(provenance)) ids.add(id);
  return ids;
}

export class TrainTestOverlapError extends Error {
  constructor(readonly overlapping: string[]) {
    const shown = overlapping.slice(0, 10).join(', ');
    super(
      `${overlapping.length} scenario(s) were used to build this library and would flatter the coach arm: ${shown}${overlapping.length > 10 ? ', …' : ''}. ` +
        'Evaluate on held-out scenarios, or pass --force to evaluate on them anyway (the report records it).',
    );
    this.name = 'TrainTestOverlapError';
  }
}

/** The scenarios the library was built from, refused unless forced; returns the overlap for the report. */
export function enforceSplit(scenarios: EvalScenario[], trainingIds: Set<string>, force: boolean): string[] {
  const overlapping = scenarios.filter((s) => trainingIds.has(s.id)).map((s) => s.id);
  if (overlapping.length > 0 && !force) throw new TrainTestOverlapError(overlapping);
  return overlapping;
}
