/**
 * Load benchmark against real PostgreSQL + pgvector: import rate, /retrieve throughput and latency
 * under load next to the same search SQL run directly through `pg`, and HNSW recall@10 against exact
 * search, at growing library sizes.
 *
 * A throwaway database is created on that server and dropped at the end (unless --keep). The service runs as a
 * separate process, as in production, so the load generator does not share its CPU time slice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { hnswOrder } from '../src/chunk-index/nearest-chunks.js';
import { vectorLiteral } from '../src/chunk-index/vector-literal.js';
import { loadRetrievalConfig } from '../src/config/retrieval.js';
import { coachRequest, connectionProblem, defineCommand, integerOption, runCommand, UnreachableError, UsageError } from '../src/cli.js';
import { openPostgres } from '../src/db/postgres-db.js';
import type { Db } from '../src/db/db.js';
import { buildConversationQuery } from '../src/retrieval/conversation-query.js';
import { LocalEmbedder } from '../src/retrieval/local-embedder.js';
import { runSearch, type SearchInput, type SearchScope } from '../src/retrieval/search-sql.js';
import { syntheticConversation, syntheticEntry } from './lib/synthetic-library.js';

const spec = defineCommand({
  name: 'bench',
  summary: 'Load benchmark of a PostgreSQL + pgvector server: import rate, /retrieve throughput and latency next to direct SQL, HNSW recall@10.',
  options: {
    'database-url': { type: 'string', placeholder: 'URL', description: 'a server where the benchmark may create and drop a database (default DATABASE_URL)' },
    sizes: { type: 'string', placeholder: 'N,N,...', description: 'library sizes, ascending', default: '1000,10000,100000' },
    duration: { type: 'string', placeholder: 'S', description: 'seconds per measurement', default: '10' },
    connections: { type: 'string', placeholder: 'N', description: 'concurrent connections of the load generator', default: '8' },
    'import-batch': { type: 'string', placeholder: 'N', description: 'entries per import request', default: '1000' },
    keep: { type: 'boolean', description: 'keep the benchmark database' },
    'skip-startup': { type: 'boolean', description: 'do not time the embedded (PGlite) start' },
  },
  failure: 'the benchmark failed',
  unreachable: 'the PostgreSQL server cannot be reached',
});

// The service as the benchmark itself runs: from TypeScript through tsx's loader, or built in dist/.
const MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../src/main.ts' : '../src/main.js', import.meta.url));
const QUERY_COUNT = 64;
const silent = { info() {}, warn() {}, error() {} };

interface BenchOptions {
  adminUrl: string;
  sizes: number[];
  duration: number;
  connections: number;
  importBatch: number;
  keep: boolean;
  skipStartup: boolean;
  adminKey: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function withAdminClientOn<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Starts the service (as `npm start` does) and resolves once /readyz answers 200. */
async function spawnReady(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, MAIN], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 1200; i++) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) return child;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill();
  throw new Error('service did not become ready');
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function startService(databaseUrl: string, port: number, o: BenchOptions): Promise<ChildProcess> {
  return spawnReady(
    { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), COACH_ADMIN_KEY: o.adminKey, LOG_LEVEL: 'warn', DB_POOL_MAX: String(o.connections) },
    port,
  );
}

/** Seconds from spawning the service on embedded PGlite to /readyz: on a new data directory, then again on it. */
async function embeddedStart(o: BenchOptions): Promise<{ fresh: number; warm: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'coach-bench-pglite-'));
  const env: NodeJS.ProcessEnv = { ...process.env, COACH_DATA_DIR: dataDir, COACH_ADMIN_KEY: o.adminKey, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.DATABASE_READ_URL;
  const timed = async () => {
    const port = await freePort();
    const started = performance.now();
    const child = await spawnReady({ ...env, PORT: String(port) }, port);
    const seconds = (performance.now() - started) / 1000;
    await stopService(child);
    return seconds;
  };
  try {
    return { fresh: await timed(), warm: await timed() };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function api(base: string, key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  return JSON.parse(await coachRequest(base, method, path, { key, body }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * /retrieve from one connection, one request after another, until `done` resolves (at least once):
 * the latency a client sees while something else (a bulk import) runs.
 */
async function sequentialLatency(base: string, requests: { path: string; headers: Record<string, string>; body: string }[], done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.then(() => (finished = true), () => (finished = true));
  const latencies: number[] = [];
  for (let i = 0; !finished || latencies.length === 0; i++) {
    const { path: route, headers, body } = requests[i % requests.length]!;
    const started = performance.now();
    const response = await fetch(`${base}${route}`, { method: 'POST', headers, body });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`/retrieve answered ${response.status}`);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return percentile(latencies, 50);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Statement = (db: Db, input: SearchInput) => Promise<unknown>;

/** The retrieval statement alone. */
const searchStatementRun = (scope: SearchScope): Statement => (db, input) => runSearch(db, scope, input);

/**
 * Plain pgvector: the k nearest centroids by the HNSW index, at the same ef_search, and nothing
 * else: no full text, no filters, no fusion. The limit retrieval can approach. The benchmark's
 * database holds its one library, so no library filter either. Sequential scans are off: with
 * 20k chunk rows the planner priced an exact sort of all centroids below the index's start-up
 * cost (at 10k it ran 58 req/s, p50 139 ms, against 1,335 req/s by the index).
 */
const rawVectorRun =
  (scope: SearchScope, k: number): Statement =>
  (db, input) =>
    db.transaction(async (tx) => {
      await tx.query("SELECT set_config('hnsw.ef_search', $1, true), set_config('enable_seqscan', 'off', true)", [String(scope.efSearch)]);
      return tx.query(
        `SELECT entry_id FROM guidance_chunks WHERE dim = ${scope.dim} AND kind = 'centroid'
         ORDER BY ${hnswOrder(scope.dim, 'embedding', '$1')} LIMIT ${k}`,
        [input.vector],
      );
    });

/** A statement through pg, from `connections` concurrent loops for `duration` seconds. */
async function directSql(databaseUrl: string, run: Statement, inputs: SearchInput[], { connections, duration }: BenchOptions): Promise<{ rps: number; p50: number; p99: number }> {
  const db = openPostgres({ url: databaseUrl, poolMax: connections, logger: silent });
  const latencies: number[] = [];
  const deadline = performance.now() + duration * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        await run(db, inputs[n++ % inputs.length]!);
        latencies.push(performance.now() - started);
      }
    }),
  );
  await db.close();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Recall@10 of the HNSW scan of centroids (what retrieval searches) against exact search. Synthetic entries share most words,
 * so many chunks tie in distance; an approximate neighbour counts as found when it is at least as
 * close as the exact 10th, whichever of the tied ones the exact scan happened to list.
 */
async function hnswRecall(databaseUrl: string, scope: SearchScope, inputs: SearchInput[]): Promise<number> {
  const db = openPostgres({ url: databaseUrl, poolMax: 2, logger: silent });
  const dim = scope.dim;
  const topTen = (exact: boolean, vector: string) =>
    db.transaction(async (tx) => {
      await tx.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(scope.efSearch)]);
      if (exact) await tx.query("SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)");
      const rows = await tx.query<{ distance: number }>(
        `SELECT embedding::vector(${dim}) <=> $2::vector(${dim}) AS distance FROM guidance_chunks WHERE library_id = $1 AND dim = ${dim} AND kind = 'centroid'
         ORDER BY ${exact ? `embedding::vector(${dim}) <=> $2::vector(${dim})` : hnswOrder(dim, 'embedding', '$2')} LIMIT 10`,
        [scope.libraryId, vector],
      );
      return rows.map((r) => Number(r.distance));
    });
  let found = 0;
  let total = 0;
  for (const input of inputs) {
    const exact = await topTen(true, input.vector!);
    const approx = await topTen(false, input.vector!);
    const tenth = exact[exact.length - 1] ?? 0;
    found += approx.filter((distance) => distance <= tenth + 1e-6).length;
    total += exact.length;
  }
  await db.close();
  return found / total;
}

async function main(o: BenchOptions): Promise<void> {
  const { connections, duration, importBatch, adminKey } = o;
  const dbName = `coach_bench_${randomBytes(4).toString('hex')}`;
  await withAdminClientOn(o.adminUrl, (c) => c.query(`CREATE DATABASE ${dbName}`)).catch((err: unknown) => {
    // Errors of a system call (connect, getaddrinfo) are the server not being there; SQL errors are not.
    if ((err as { syscall?: string }).syscall === undefined) throw err;
    throw new UnreachableError('PostgreSQL', new URL(o.adminUrl).host, connectionProblem(err));
  });
  const url = new URL(o.adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let service: ChildProcess | undefined;
  try {
    // Before the service starts: a start on PGlite must not compete with the benchmark's load.
    if (!o.skipStartup) {
      const start = await embeddedStart(o);
      console.log(`embedded start (PGlite) to /readyz: ${start.fresh.toFixed(1)} s on a new data directory, ${start.warm.toFixed(1)} s on it again (load ${loadavg()[0]!.toFixed(1)})`);
    }
    service = await startService(databaseUrl, port, o);
    const library = (await api(base, adminKey, 'POST', '/v1/libraries', { name: 'bench', policy: 'Refunds within 30 days of delivery.' })) as { id: string; embedder: string; embedding_dim: number };
    const embedder = new LocalEmbedder({ dimension: library.embedding_dim });
    // The service's own settings (HNSW_EF_SEARCH, RETRIEVAL_CANDIDATES), as it runs with them.
    const { efSearch, candidates } = loadRetrievalConfig(process.env);
    const scope: SearchScope = { libraryId: library.id, embedderId: library.embedder, dim: library.embedding_dim, efSearch: Math.max(efSearch, candidates), candidates };
    const conversations = Array.from({ length: QUERY_COUNT }, (_, i) => syntheticConversation(i));
    const inputs: SearchInput[] = await Promise.all(
      conversations.map(async (messages) => {
        const q = await buildConversationQuery(messages, embedder);
        return { vector: vectorLiteral(q.vector), textTerms: q.terms, statuses: ['approved'], tags: [], anyTags: [], toolsRun: [] };
      }),
    );
    console.log(`library ${library.id}, embedder ${library.embedder}, ${connections} connections, ${duration} s per measurement, ef_search ${scope.efSearch}`);
    console.log('import: entries/s until the import requests answered (stored and searchable); indexed: entries/s until the HNSW index held them all');
    console.log('half load: /retrieve offered half the req/s just measured, same connections');
    console.log('direct SQL: the search statement through pg; raw vector: plain pgvector top-5 centroids, same connections and ef_search; ratios are /retrieve req/s over theirs');
    console.log(
      'p50 1 conn: /retrieve one request at a time, idle, then while the next step imports its entries and the indexer moves them into HNSW (the last step imports a tenth more); load: 1-minute load average at the end of the row',
    );
    console.log(
      '| entries | import entries/s | indexed entries/s | /retrieve req/s | p50 ms | p99 ms | half load p50 ms | p99 ms | direct SQL req/s | p50 ms | p99 ms | ratio | raw vector req/s | p50 ms | p99 ms | ratio | HNSW recall@10 | p50 1 conn idle | importing | × | load |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    const requests = conversations.map((messages) => ({
      method: 'POST' as const,
      path: `/v1/libraries/${library.id}/retrieve`,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages, k: 5 }),
    }));
    const pending = () =>
      withAdminClientOn(databaseUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM guidance_chunks_pending')).rows[0].n));
    /** Imports entries [from, to) through the API; resolves when they answered, and `indexed` when the indexer has moved them all. */
    const importEntries = (from: number, to: number) => {
      const started = performance.now();
      const answered = (async () => {
        for (let start = from; start < to; start += importBatch) {
          const batch = Array.from({ length: Math.min(importBatch, to - start) }, (_, j) => syntheticEntry(start + j));
          await api(base, adminKey, 'POST', `/v1/libraries/${library.id}/guidance/import`, batch);
        }
        return (to - from) / ((performance.now() - started) / 1000);
      })();
      // Imports answer once entries are stored and searchable; the HNSW index catches up behind.
      const indexed = answered.then(async () => {
        while ((await pending()) > 0) await sleep(200);
        return (to - from) / ((performance.now() - started) / 1000);
      });
      return { answered, indexed };
    };
    let loaded = 0;
    let next = importEntries(0, o.sizes[0]!);
    for (const [step, size] of o.sizes.entries()) {
      const importRate = await next.answered;
      const indexRate = await next.indexed;
      loaded = size;
      await withAdminClientOn(databaseUrl, (c) => c.query('ANALYZE'));

      await autocannon({ url: base, connections, duration: 2, requests }); // warm-up
      const load = await autocannon({ url: base, connections, duration, requests });
      if (load.non2xx > 0 || load.errors > 0) throw new Error(`/retrieve failed under load: ${load.non2xx} non-2xx, ${load.errors} errors`);
      // Latency as a service is run: offered half the throughput just measured, from the same connections.
      const half = await autocannon({ url: base, connections, duration, requests, overallRate: Math.max(1, Math.round(load.requests.average / 2)) });
      const direct = await directSql(databaseUrl, searchStatementRun(scope), inputs, o);
      const raw = await directSql(databaseUrl, rawVectorRun(scope, 5), inputs, o);
      const recall = await hnswRecall(databaseUrl, scope, inputs.slice(0, 32));
      const idleP50 = await sequentialLatency(base, requests, sleep(duration * 1000));
      const nextSize = o.sizes[step + 1] ?? size + Math.max(importBatch, Math.round(size / 10));
      next = importEntries(loaded, nextSize);
      const importingP50 = await sequentialLatency(base, requests, next.indexed);
      const httpRps = load.requests.average;
      console.log(
        `| ${size} | ${importRate.toFixed(0)} | ${indexRate.toFixed(0)} | ${httpRps.toFixed(0)} | ${load.latency.p50} | ${load.latency.p99} | ${half.latency.p50} | ${half.latency.p99} | ` +
          `${direct.rps.toFixed(0)} | ${direct.p50.toFixed(1)} | ${direct.p99.toFixed(1)} | ${(httpRps / direct.rps).toFixed(2)} | ` +
          `${raw.rps.toFixed(0)} | ${raw.p50.toFixed(1)} | ${raw.p99.toFixed(1)} | ${(httpRps / raw.rps).toFixed(2)} | ${recall.toFixed(3)} | ` +
          `${idleP50.toFixed(1)} | ${importingP50.toFixed(1)} | ${(importingP50 / idleP50).toFixed(1)} | ${loadavg()[0]!.toFixed(1)} |`,
      );
    }
    await next.indexed;
  } finally {
    if (service !== undefined) await stopService(service);
    if (o.keep) console.log(`kept database ${dbName}`);
    else await withAdminClientOn(o.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  }
}

await runCommand(spec, async (args) => {
  const adminUrl = args['database-url'] ?? process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') throw new UsageError('set DATABASE_URL (or --database-url) to a PostgreSQL server with pgvector');
  if (!/^postgres(ql)?:\/\//.test(adminUrl)) throw new UsageError(`the database URL must be a postgres:// URL, got "${adminUrl}"`);
  const sizes = args.sizes.split(',').map((size) => integerOption('sizes', size.trim(), 1));
  if (sizes.some((size, i) => i > 0 && size <= sizes[i - 1]!)) throw new UsageError(`--sizes must be ascending, got "${args.sizes}"`);
  await main({
    adminUrl,
    sizes,
    duration: integerOption('duration', args.duration, 1),
    connections: integerOption('connections', args.connections, 1),
    importBatch: integerOption('import-batch', args['import-batch'], 1),
    keep: args.keep,
    skipStartup: args['skip-startup'],
    adminKey: `bench-${randomBytes(12).toString('hex')}`,
  });
});
