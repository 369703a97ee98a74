import type { Database } from './domain-data.js';
import { jsonEqual } from './json-values.js';
import { byCodePoint } from './python-compat.js';

/** Per table, the sorted ids of the records added, removed or changed between two databases. */
export function changedRecords(before: Database, after: Database): Record<string, string[]> {
  const tables = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byCodePoint);
  return Object.fromEntries(
    tables.map((table) => {
      const old = before[table] ?? {};
      const now = after[table] ?? {};
      const ids = new Set([...Object.keys(old), ...Object.keys(now)]);
      return [table, [...ids].filter((id) => !jsonEqual(old[id], now[id])).sort(byCodePoint)];
    }),
  );
}
