import { ConfigError, text, type Env } from './env.js';

export interface AuthConfig {
  /** Always a valid unscoped admin key while set. */
  adminKey?: string;
}

export function loadAuthConfig(env: Env): AuthConfig {
  const adminKey = text(env, 'COACH_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) {
    throw new ConfigError('COACH_ADMIN_KEY', 'must be at least 16 characters');
  }
  return { adminKey };
}
