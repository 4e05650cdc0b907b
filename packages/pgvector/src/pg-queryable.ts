/**
 * The one thing the store needs of a database: run a parameterized statement and get its rows.
 * A `pg` `Pool` or `Client` and a PGlite instance all satisfy it as they are.
 */
export interface PgQueryable {
  /** Runs `text` with `$1`-style `params`; resolves with the result rows. */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A connection checked out of a pool (`pg.PoolClient`). */
export interface PgPoolClientLike extends PgQueryable {
  /** Returns the connection to the pool; with an error (or `true`) the pool discards it. */
  release(destroy?: Error | boolean): void;
}

/** A connection pool (`pg.Pool`): several sessions, each with its own settings. */
export interface PgPoolLike extends PgQueryable {
  /** Checks a connection out of the pool. */
  connect(): Promise<PgPoolClientLike>;
}

/** True when `db` is a pool (its connections are separate sessions), like `pg.Pool`. */
export function isPool(db: PgQueryable): db is PgPoolLike {
  const candidate = db as Partial<PgPoolLike> & { idleCount?: unknown; totalCount?: unknown };
  return (
    typeof candidate.connect === 'function' &&
    typeof candidate.idleCount === 'number' &&
    typeof candidate.totalCount === 'number'
  );
}
