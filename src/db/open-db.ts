import type { Log } from '../logger.js';
import type { DatabaseConfig } from '../config/database.js';
import type { Db } from './db.js';
import { openPglite } from './pglite-db.js';
import { openPostgres } from './postgres-db.js';
import { ReplicaReads } from './replica-reads.js';

/** Real Postgres when DATABASE_URL is set, otherwise embedded PGlite persisted in COACH_DATA_DIR. */
export async function openDb(config: DatabaseConfig, logger: Log): Promise<Db> {
  if (config.url !== undefined) {
    return openPostgres({ url: config.url, poolMax: config.poolMax, logger, preparedStatements: config.preparedStatements });
  }
  noteEmbedded(config, logger);
  return openPglite(config.dataDir);
}

export function noteEmbedded(config: DatabaseConfig, logger: Log): void {
  logger.info({ dataDir: config.dataDir }, 'DATABASE_URL not set; using embedded PGlite');
}

/** The replica named by DATABASE_READ_URL, falling back to `primary`; undefined without one. */
export function openReadDb(config: DatabaseConfig, primary: Db, logger: Log): ReplicaReads | undefined {
  if (config.readUrl === undefined) return undefined;
  const replica = openPostgres({ url: config.readUrl, poolMax: config.poolMax, logger, preparedStatements: config.preparedStatements });
  return new ReplicaReads(replica, primary, config.readMaxLagMs, logger);
}
