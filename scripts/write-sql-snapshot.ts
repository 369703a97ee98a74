/**
 * Writes sql/chunk-index.sql from the code that builds the chunk index's statements, so that a
 * change to a query is reviewed as a SQL diff. test/sql-snapshot.test.ts fails when they differ.
 *
 *   npm run sql:snapshot
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/project-root.js';
import { renderSqlSnapshot } from '../src/sql-snapshot.js';

const file = path.join(projectRoot(), 'sql', 'chunk-index.sql');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, renderSqlSnapshot());
console.log(`wrote ${file}`);
