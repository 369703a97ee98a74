/**
 * Writes openapi.yaml from the routes' own schemas (the ones that validate requests), so the
 * published spec is exactly what the service enforces. test/openapi.test.ts fails when they differ.
 *
 *   npm run openapi
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/pglite-db.js';
import { projectRoot } from '../src/project-root.js';

const db = await openPglite();
const app = await buildApp(loadConfig({ LOG_LEVEL: 'warn' }), { db });
const file = path.join(projectRoot(), 'openapi.yaml');
writeFileSync(file, app.swagger({ yaml: true }));
await app.close();
await db.close();
console.log(`wrote ${file}`);
