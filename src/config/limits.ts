import { ConfigError, integer, text, type Env } from './env.js';

export interface LimitsConfig {
  /** The window the budgets below count requests in. */
  windowMs: number;
  /** Requests per window per API key, by the key's role; 0: unlimited. */
  perRole: { admin: number; teacher: number; student: number };
  /** Requests per window per client address without a valid key (401s, unknown paths, docs); 0: unlimited. */
  perAddress: number;
  /** Browser origins allowed to call the API; empty: no CORS headers at all. */
  corsOrigins: string[];
}

function origins(env: Env): string[] {
  const raw = text(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw.split(',').map((origin) => {
    const value = origin.trim();
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `must be a comma-separated list of origins such as https://app.example.com, got "${value}"`);
    }
    // An origin is scheme, host and port; a path would never match the Origin header.
    if (parsed.origin !== value) throw new ConfigError('CORS_ORIGINS', `"${value}" is not an origin (scheme://host[:port], no path); did you mean ${parsed.origin}?`);
    return value;
  });
}

export function loadLimitsConfig(env: Env): LimitsConfig {
  return {
    windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 86_400_000),
    perRole: {
      admin: integer(env, 'RATE_LIMIT_ADMIN', 6000, 0, 1_000_000),
      teacher: integer(env, 'RATE_LIMIT_TEACHER', 6000, 0, 1_000_000),
      student: integer(env, 'RATE_LIMIT_STUDENT', 6000, 0, 1_000_000),
    },
    perAddress: integer(env, 'RATE_LIMIT_ANONYMOUS', 300, 0, 1_000_000),
    corsOrigins: origins(env),
  };
}
