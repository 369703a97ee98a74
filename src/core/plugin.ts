import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { defaultMigrationsDir, migrate } from '../db/migrate.js';
import { noteEmbedded, openDb, openReadDb } from '../db/open-db.js';
import { GuidanceStore } from '../library/guidance-store.js';
import { Libraries } from '../library/libraries.js';
import { PolicyFlags } from '../library/policy-flags.js';
import { ModelRegistry } from '../models/model-registry.js';
import { Embedders } from '../retrieval/embedders.js';
import { Retriever } from '../retrieval/retriever.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    /** Where lag-tolerant reads (retrieval) go: a streaming replica (DATABASE_READ_URL) or `db` itself. */
    readDb: Db;
    embedders: Embedders;
    libraries: Libraries;
    /** Entries flagged by policy edits; `onFlagged` is where other features hear of new flags. */
    policyFlags: PolicyFlags;
    guidance: GuidanceStore;
    retriever: Retriever;
    models: ModelRegistry;
  }
}

export interface CoreOptions {
  config: Config;
  /** A database the caller owns (tests): left open on close. */
  db?: Db;
  /** The embedded database of config.database, already being opened (see main.ts); owned by the app. */
  openingPglite?: Promise<Db>;
  /** A replica of `db` the caller owns (tests); otherwise DATABASE_READ_URL's, or `db`. */
  readDb?: Db;
}

/**
 * What several features share, built once: the configuration, the migrated database, and the
 * services over it. Closed last, since it is registered first: every worker has stopped by then.
 */
export default fp<CoreOptions>(
  async (app, { config, db: given, openingPglite, readDb: givenRead }) => {
    if (given === undefined && openingPglite !== undefined) noteEmbedded(config.database, app.log);
    const db = given ?? (await (openingPglite ?? openDb(config.database, app.log)));
    const opened = givenRead === undefined ? openReadDb(config.database, db, app.log) : undefined;
    const readDb = givenRead ?? opened ?? db;
    if (given === undefined) app.addHook('onClose', () => db.close());
    if (opened !== undefined) app.addHook('onClose', () => opened.close());
    const applied = await migrate(db, defaultMigrationsDir());
    if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
    const embedders = new Embedders(config.embedder);
    app.decorate('config', config);
    app.decorate('db', db);
    app.decorate('readDb', readDb);
    app.decorate('embedders', embedders);
    const policyFlags = new PolicyFlags(db);
    app.decorate('policyFlags', policyFlags);
    app.decorate('libraries', new Libraries(db, embedders, policyFlags));
    app.decorate('guidance', new GuidanceStore(db, embedders, config.retrieval.duplicateThreshold));
    app.decorate('retriever', new Retriever(readDb, embedders, config.retrieval));
    app.decorate('models', new ModelRegistry(config.models));
  },
  { name: 'core' },
);
