import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { mkdir } from 'node:fs/promises';
import type { Db, Queryable } from './db.js';
import { lockDataDir } from './data-dir-lock.js';

function queryable(handle: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]) {
      const result = await handle.query<T>(sql, params as unknown[] | undefined);
      return result.rows;
    },
    async exec(sql: string) {
      await handle.exec(sql);
    },
  };
}

/** Embedded Postgres with pgvector. `dataDir` undefined means in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  let unlock = async () => {};
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    // Two processes on one PGlite directory corrupt it.
    unlock = await lockDataDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, extensions: { vector } });
  } catch (err) {
    await unlock();
    throw err;
  }
  const outside = queryable(pglite);
  let closed = false;
  return {
    kind: 'pglite',
    query: (sql, params) => {
      if (closed) return Promise.reject(new Error('embedded database is closed'));
      return outside.query(sql, params);
    },
    exec: outside.exec,
    transaction: (fn) => pglite.transaction((tx) => fn(queryable(tx))),
    async close() {
      if (closed) return;
      closed = true;
      await pglite.close();
      await unlock();
    },
  };
}
