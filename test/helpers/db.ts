import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/db/db.js';
import { openPglite } from '../../src/db/pglite-db.js';
import { openPostgres } from '../../src/db/postgres-db.js';
import { pgliteTemplate } from './pglite-template.js';
import { replicaOf, replicaUrl } from './replica.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

const silent = { info() {}, warn() {}, error() {} };

/** Where tests run: real Postgres when DATABASE_URL is set (CI runs both), else in-memory PGlite. */
export const usingPostgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

/**
 * A fresh, empty database of its own for one test: a new database on the Postgres server named by
 * DATABASE_URL (dropped afterwards), or a new in-memory PGlite.
 */
export async function freshDatabaseUrl(t: Teardown): Promise<string> {
  const admin = new URL(process.env.DATABASE_URL!);
  const name = `coach_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  t.teardown(async () => {
    const dropper = new pg.Client({ connectionString: admin.toString() });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropper.end();
  });
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Which Postgres database each test Db is, so a replica of it can be opened. */
const databaseNames = new WeakMap<Db, string>();

export async function openTestDb(t: Teardown): Promise<Db> {
  let db: Db;
  if (usingPostgres) {
    const url = await freshDatabaseUrl(t);
    db = openPostgres({ url, poolMax: 5, logger: silent });
    databaseNames.set(db, new URL(url).pathname.slice(1));
  } else db = await openPglite(undefined, await pgliteTemplate());
  t.teardown(() => db.close());
  return db;
}

/** The streaming replica's copy of a test database, when CI runs one (TEST_DATABASE_READ_URL). */
export function testReadDb(t: Teardown, db: Db): Db | undefined {
  const name = databaseNames.get(db);
  return replicaUrl === undefined || name === undefined ? undefined : replicaOf(t, db, name);
}
