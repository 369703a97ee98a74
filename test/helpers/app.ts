import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/db.js';
import { openTestDb, testReadDb } from './db.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ COACH_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'silent', ...env });
}

export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}

export const admin = bearer(ADMIN_KEY);

interface TestContext {
  teardown(fn: () => unknown): void;
}

/** The real app on a database of the test's own; closed when the test ends. */
export async function testApp(
  t: TestContext,
  options: { env?: Record<string, string>; db?: Db; readDb?: Db } = {},
): Promise<{ app: FastifyInstance; db: Db }> {
  const db = options.db ?? (await openTestDb(t));
  // Served from CI's streaming replica when there is one, unless the test names its own.
  const readDb = options.readDb ?? (options.env?.DATABASE_READ_URL === undefined ? testReadDb(t, db) : undefined);
  const app = await buildApp(testConfig(options.env), { db, readDb });
  t.teardown(() => app.close());
  return { app, db };
}

/** Creates a key through the API and returns its secret. */
export async function createKey(
  app: FastifyInstance,
  body: { name?: string; role: 'admin' | 'teacher' | 'student'; library_ids?: string[] },
): Promise<{ id: string; key: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: admin, payload: { name: 'test key', ...body } });
  if (res.statusCode !== 201) throw new Error(`creating key failed: ${res.statusCode} ${res.body}`);
  return res.json();
}
