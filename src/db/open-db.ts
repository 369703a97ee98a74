import type { Log } from '../logger.js';
import type { DatabaseConfig } from '../config/database.js';
import type { Db } from './db.js';
import { openPglite } from './pglite-db.js';
import { openPostgres } from './postgres-db.js';

/** Real Postgres when DATABASE_URL is set, otherwise embedded PGlite persisted in COACH_DATA_DIR. */
export async function openDb(config: DatabaseConfig, logger: Log): Promise<Db> {
  if (config.url !== undefined) {
    return openPostgres({ url: config.url, poolMax: config.poolMax, logger });
  }
  logger.info({ dataDir: config.dataDir }, 'DATABASE_URL not set; using embedded PGlite');
  return openPglite(config.dataDir);
}
