import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../project-root.js';
import type { Db } from './db.js';

// Any fixed number; every Coach instance must use the same one.
const MIGRATION_LOCK_ID = 7_424_242;
const FILE_NAME = /^\d{3}_[a-z0-9_]+\.sql$/;

export function defaultMigrationsDir(): string {
  return path.join(projectRoot(), 'migrations');
}

export async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => FILE_NAME.test(name)).sort();
}

/**
 * Applies the migrations not yet recorded, in order, in one transaction. On real Postgres a
 * transaction-scoped advisory lock makes instances that start together wait for each other.
 * Applied files are append-only: one changed or removed since it was applied stops the start,
 * since the database would no longer match what the files say. Returns the names applied now.
 */
export async function migrate(db: Db, dir: string = defaultMigrationsDir()): Promise<string[]> {
  const files = new Map<string, Buffer>();
  for (const name of await migrationFiles(dir)) files.set(name, await readFile(path.join(dir, name)));
  const shown = (name: string) => `${path.basename(dir)}/${name}`;
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), checksum text)',
    );
    // Databases migrated before checksums were recorded: their rows are NULL until filled below.
    await tx.exec('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    const applied = await tx.query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations ORDER BY name');
    for (const { name, checksum } of applied) {
      const content = files.get(name);
      if (content === undefined) {
        throw new Error(`${shown(name)} was applied but is missing; migrations are append-only: restore the file`);
      }
      const actual = sha256(content);
      // Rows from before checksums existed trust the files present at upgrade time.
      if (checksum === null) await tx.query('UPDATE schema_migrations SET checksum = $2 WHERE name = $1', [name, actual]);
      else if (checksum !== actual) {
        throw new Error(`${shown(name)} was changed after it was applied; migrations are append-only: add a new numbered file`);
      }
    }
    const done = new Set(applied.map((r) => r.name));
    const pending = [...files.keys()].filter((name) => !done.has(name));
    for (const name of pending) {
      const content = files.get(name)!;
      await tx.exec(content.toString('utf8'));
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [name, sha256(content)]);
    }
    return pending;
  });
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Names of migration files not recorded as applied; empty when the schema is current. */
export async function pendingMigrations(db: Db, files: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.name));
  return files.filter((name) => !applied.has(name));
}
