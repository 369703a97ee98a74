import { ServiceUnavailableError } from '../errors.js';
import type { Db } from './db.js';
import { pendingMigrations } from './migrate.js';

const CHECK_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class Readiness {
  constructor(
    private readonly db: Db,
    private readonly migrations: readonly string[],
  ) {}

  /** Throws a 503-mapped error naming the reason when the service should not receive traffic. */
  async check(): Promise<{ status: 'ready'; database: Db['kind']; migrations: number }> {
    let pending: string[];
    try {
      pending = await withTimeout(pendingMigrations(this.db, this.migrations), CHECK_TIMEOUT_MS);
    } catch (err) {
      throw new ServiceUnavailableError('database unreachable', { cause: (err as Error).message });
    }
    if (pending.length > 0) throw new ServiceUnavailableError('migrations not applied', { pending });
    return { status: 'ready', database: this.db.kind, migrations: this.migrations.length };
  }
}
