import path from 'node:path';
import { ConfigError, integer, text, type Env } from './env.js';

export interface DatabaseConfig {
  /** Real PostgreSQL with pgvector; when absent the service runs on embedded PGlite in `dataDir`. */
  url?: string;
  dataDir: string;
  poolMax: number;
}

export function loadDatabaseConfig(env: Env): DatabaseConfig {
  const url = text(env, 'DATABASE_URL');
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  return {
    url,
    dataDir: path.resolve(text(env, 'COACH_DATA_DIR') ?? './data'),
    poolMax: integer(env, 'DB_POOL_MAX', 10, 1, 500),
  };
}
