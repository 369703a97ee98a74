import type { DecisionGroup, DecisionPoint } from './types.js';

/** A situation as a key: states the judge described alike fall into one group. */
function situationKey(situation: string): string {
  return situation.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'state';
}

/**
 * The decision points of all rollouts of a scenario, grouped by the kind of state: one note is
 * written for the states of a group where the student fell short, and measured on those and on the
 * group's other states (where it happened to do well: held-out siblings). Groups without a
 * shortfall need no note.
 */
export function groupBySituation(sourceId: string, points: DecisionPoint[]): DecisionGroup[] {
  const groups = new Map<string, DecisionPoint[]>();
  for (const point of points) {
    const key = situationKey(point.situation ?? point.key);
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  return [...groups.entries()]
    .filter(([, members]) => members.some((p) => p.shortfall))
    .map(([key, members]) => ({
      key: `${sourceId}:${key}`,
      sourceId,
      situation: members.find((p) => p.shortfall)!.situation ?? key,
      points: members.filter((p) => p.shortfall),
      siblings: members.filter((p) => !p.shortfall),
    }));
}

/** A real conversation's decision points stand alone: each its own group, keyed as before. */
export function singleGroups(points: DecisionPoint[]): DecisionGroup[] {
  return points.map((point) => ({ key: point.key, sourceId: point.sourceId, situation: point.explanation, points: [point], siblings: [] }));
}

/** What customers said in the group's states, as examples retrieval can match. */
export function stateExamples(group: DecisionGroup): string[] {
  return group.points.flatMap((point) => {
    const said = point.state.filter((m) => m.role === 'user').at(-1);
    return said === undefined ? [] : [said.content.slice(0, 500)];
  });
}
