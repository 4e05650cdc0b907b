import { StoreUnavailableError, type VectorStore } from '@cache/core';
import { PgVectorStore, tableNames } from '@cache/pgvector';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { redactUrl } from './server-checks.js';

/** Options of the PostgreSQL store the demo opens. */
export interface PostgresStoreOptions {
  /** Drop the table on close (for throwaway tables of `compare`). Default false. */
  dropOnClose?: boolean;
}

/**
 * A pgvector store on an embedded, in-memory PGlite (PostgreSQL + pgvector in WebAssembly):
 * nothing to install, gone when closed. Takes a few seconds to start.
 */
export async function openPgliteStore(dimension: number): Promise<VectorStore> {
  const db = await PGlite.create({ extensions: { vector } });
  const store = await PgVectorStore.create({
    db,
    dimension,
    table: 'demo_vectors',
    closeDb: false,
  });
  return closingAlso(store, async () => {
    await db.close();
  });
}

/**
 * A pgvector store on the PostgreSQL server at `url`, in `table` (created when absent), on a
 * `pg` Pool that survives server restarts.
 */
export async function openPostgresStore(
  url: string,
  dimension: number,
  table: string,
  options: PostgresStoreOptions = {},
): Promise<VectorStore> {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
  // Idle connections report a server restart as an 'error' event; unhandled it kills the process.
  pool.on('error', (error) => console.error(`PostgreSQL pool: ${error.message}`));
  let store: PgVectorStore;
  try {
    store = await PgVectorStore.create({ db: pool, dimension, table, closeDb: false });
  } catch (error) {
    await pool.end();
    const why = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(
      'pgvector',
      `PostgreSQL at ${redactUrl(url)} (DATABASE_URL) could not be opened: ${why}`,
      { cause: error },
    );
  }
  return closingAlso(store, async () => {
    if (options.dropOnClose) await pool.query(`DROP TABLE IF EXISTS ${tableNames(table).quoted}`);
    await pool.end();
  });
}

/** `store`, whose `close` also runs `after` (once). */
function closingAlso(store: VectorStore, after: () => Promise<void>): VectorStore {
  let done = false;
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      if (done) return;
      done = true;
      await after();
    },
  });
}
