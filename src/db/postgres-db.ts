import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Log } from '../logger.js';
import { ServiceUnavailableError, TransactionAbortedError } from '../errors.js';
import type { Db, Queryable, QueryOptions } from './db.js';

export interface PostgresOptions {
  url: string;
  poolMax: number;
  logger: Log;
  /** Whether statements asked for `prepared` are named (see QueryOptions); default true. */
  preparedStatements?: boolean;
}

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, restart).
const UNAVAILABLE_SQLSTATE = /^(08|57P)/;
// Class 40, transaction rollback: the server gave up this transaction for another's sake.
const ABORTED_SQLSTATE = /^40/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/**
 * Connection-level failures and transactions the server rolled back for a concurrent one become
 * typed 503s; query errors (bad SQL, constraints) pass through.
 */
function asUnavailable(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (e.code !== undefined && ABORTED_SQLSTATE.test(e.code)) return new TransactionAbortedError(e.code, e.message ?? '');
  const lost =
    (e.code !== undefined && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/i.test(
      e.message ?? '',
    );
  return lost ? new ServiceUnavailableError('database unavailable', { cause: e.message }) : err;
}

const statementNames = new Map<string, string>();

/** A name per statement text, so that two texts never share one (pg refuses that on a connection). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `coach_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function queryable(client: pg.Pool | pg.PoolClient, prepare: boolean): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
      try {
        const values = params as unknown[] | undefined;
        const named = prepare && options?.prepared === true;
        const result = await (named ? client.query({ name: statementName(sql), text: sql, values }) : client.query(sql, values));
        return result.rows as T[];
      } catch (err) {
        throw asUnavailable(err);
      }
    },
    async exec(sql: string) {
      try {
        await client.query(sql);
      } catch (err) {
        throw asUnavailable(err);
      }
    },
  };
}

export function openPostgres({ url, poolMax, logger, preparedStatements = true }: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // A database that stops answering must fail readiness quickly, not hang requests.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A server that stops answering (rather than refusing) must not hold a request forever.
    statement_timeout: 30_000,
    query_timeout: 35_000,
  });
  // An idle client whose server goes away emits 'error'; unhandled, it would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed'));
  const outside = queryable(pool, preparedStatements);
  return {
    kind: 'postgres',
    query: outside.query,
    exec: outside.exec,
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw asUnavailable(err);
      }
      // A checked-out client whose server goes away emits 'error'; unheard, it would crash the process.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
        logger.warn({ err }, 'database connection failed during a transaction');
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client, preparedStatements));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw asUnavailable(err);
      } finally {
        client.off('error', onError);
        // A broken connection is discarded rather than handed to the next caller.
        client.release(broken);
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
