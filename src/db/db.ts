/**
 * The one database interface the rest of the code uses. Implemented by a `pg` pool against real
 * PostgreSQL and by embedded PGlite; never the `pg` driver on top of PGlite (see ENGINEERING-NOTES).
 */
export type Row = Record<string, unknown>;

/**
 * `prepared`: a statement every retrieval runs, kept prepared per connection where the database
 * allows (PostgreSQL, unless DB_PREPARED_STATEMENTS=off), so it is parsed once, and with a generic
 * plan planned once.
 */
export interface QueryOptions {
  prepared?: boolean;
}

export interface Queryable {
  /** One parameterised statement; returns its rows. */
  query<T = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; use only `tx` inside it (PGlite is a single connection). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
