import path from 'node:path';
import { ConfigError, integer, onOff, text, type Env } from './env.js';

export interface DatabaseConfig {
  /** Real PostgreSQL with pgvector; when absent the service runs on embedded PGlite in `dataDir`. */
  url?: string;
  /** A streaming replica of `url` that retrieval reads from; writes and reads-after-write stay on `url`. */
  readUrl?: string;
  /** Replay lag past which reads go back to the primary until the replica catches up. */
  readMaxLagMs: number;
  dataDir: string;
  poolMax: number;
  /**
   * Statements run on every retrieval are prepared once per connection (parsed once, the selection
   * facts planned once). Off for a pooler that cannot keep them (PgBouncer in transaction mode
   * before 1.21, or without max_prepared_statements).
   */
  preparedStatements: boolean;
}

function postgresUrl(env: Env, name: string): string | undefined {
  const url = text(env, name);
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(name, 'must start with postgres:// or postgresql://');
  }
  return url;
}

export function loadDatabaseConfig(env: Env): DatabaseConfig {
  const url = postgresUrl(env, 'DATABASE_URL');
  const readUrl = postgresUrl(env, 'DATABASE_READ_URL');
  if (readUrl !== undefined && url === undefined) {
    throw new ConfigError('DATABASE_READ_URL', 'needs DATABASE_URL: a replica is of a PostgreSQL primary, not of embedded PGlite');
  }
  return {
    url,
    readUrl,
    readMaxLagMs: integer(env, 'DATABASE_READ_MAX_LAG_MS', 5_000, 0, 3_600_000),
    dataDir: path.resolve(text(env, 'COACH_DATA_DIR') ?? './data'),
    poolMax: integer(env, 'DB_POOL_MAX', 10, 1, 500),
    preparedStatements: onOff(env, 'DB_PREPARED_STATEMENTS', true),
  };
}
