import Fastify, { type FastifyInstance } from 'fastify';
import auth from './auth/plugin.js';
import chat from './chat/plugin.js';
import type { Config } from './config.js';
import consolePages from './console/plugin.js';
import core from './core/plugin.js';
import examples from './examples/plugin.js';
import type { Db } from './db/db.js';
import http from './http/plugin.js';
import { serverOptions } from './http/server-options.js';
import library from './library/plugin.js';
import ops from './ops/plugin.js';
import retrieval from './retrieval/plugin.js';
import teacher from './teacher/plugin.js';
import webhooks from './webhooks/plugin.js';

export interface AppOptions {
  /** A database the caller owns (tests); otherwise the app opens one from config and closes it. */
  db?: Db;
  /** The embedded database of config.database, already being opened; the app closes it. */
  openingPglite?: Promise<Db>;
  /** A streaming replica of `db` the caller owns (tests), for the reads that tolerate lag. */
  readDb?: Db;
  /** Where log lines go instead of stdout (tests capture them). */
  logStream?: { write(msg: string): void };
}

/**
 * Each feature builds its services, registers its routes and runs its workers from onReady to
 * onClose. Their order is the order of the API reference; closing runs it backwards, so workers
 * stop before the core closes the database.
 */
const FEATURES = [http, ops, auth, library, retrieval, examples, chat, teacher, webhooks, consolePages];

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config.server, options.logStream));
  try {
    await app.register(core, { config, db: options.db, openingPglite: options.openingPglite, readDb: options.readDb });
    for (const feature of FEATURES) await app.register(feature);
    await app.ready();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
