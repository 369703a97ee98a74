/**
 * Writes sql/statements.sql from the code that composes the statements (search, near-duplicates,
 * the indexer's move, the workers' claims), so that a change to a query is reviewed as a SQL diff.
 * test/sql-snapshot.test.ts fails when they differ.
 *
 *   npm run sql:snapshot
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/project-root.js';
import { renderSqlSnapshot } from '../src/sql-snapshot.js';

const file = path.join(projectRoot(), 'sql', 'statements.sql');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, renderSqlSnapshot());
console.log(`wrote ${file}`);
