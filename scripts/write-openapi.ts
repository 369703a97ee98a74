/**
 * Writes openapi.yaml from the routes' own schemas (the ones that validate requests), so the
 * published spec is exactly what the service enforces. test/openapi.test.ts fails when they differ.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { defineCommand, runCommand } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { openPglite } from '../src/db/pglite-db.js';
import { projectRoot } from '../src/project-root.js';

const spec = defineCommand({
  name: 'openapi',
  summary: "Writes openapi.yaml from the routes' schemas (no database or configuration needed).",
  options: {},
  failure: 'the file could not be written',
});

await runCommand(spec, async () => {
  const db = await openPglite();
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'error' }), { db });
  const file = path.join(projectRoot(), 'openapi.yaml');
  writeFileSync(file, app.swagger({ yaml: true }));
  await app.close();
  await db.close();
  console.log(`wrote ${file}`);
});
