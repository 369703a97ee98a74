import type { Log } from '../logger.js';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { openPglite } from './pglite-db.js';
import { openPostgres } from './postgres-db.js';

/** Real Postgres when DATABASE_URL is set, otherwise embedded PGlite persisted in COACH_DATA_DIR. */
export async function openDb(config: Config, logger: Log): Promise<Db> {
  if (config.databaseUrl !== undefined) {
    return openPostgres({ url: config.databaseUrl, poolMax: config.dbPoolMax, logger });
  }
  logger.info({ dataDir: config.dataDir }, 'DATABASE_URL not set; using embedded PGlite');
  return openPglite(config.dataDir);
}
