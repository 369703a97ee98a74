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
 * Returns the names applied now.
 */
export async function migrate(db: Db, dir: string = defaultMigrationsDir()): Promise<string[]> {
  const files = await migrationFiles(dir);
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await tx.exec(await readFile(path.join(dir, name), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    }
    return pending;
  });
}

/** Names of migration files not recorded as applied; empty when the schema is current. */
export async function pendingMigrations(db: Db, files: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.name));
  return files.filter((name) => !applied.has(name));
}
