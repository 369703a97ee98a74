/**
 * The one database interface the rest of the code uses. Implemented by a `pg` pool against real
 * PostgreSQL and by embedded PGlite; never the `pg` driver on top of PGlite (see ENGINEERING-NOTES).
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement; returns its rows. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; use only `tx` inside it (PGlite is a single connection). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
