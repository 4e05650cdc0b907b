import { randomBytes } from 'node:crypto';
import { type CacheEntry, type ExactStore, MemoryExactStore, type VectorStore } from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { type PgQueryable, PgVectorStore } from '@cache/pgvector';
import { RedisExactStore } from '@cache/redis';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';

/** Dimension of every vector store here (the bag-of-words embedder's). */
export const DIMENSION = 64;

/** A pair of stores a test composes a cache of, with what the test needs to inspect them. */
export interface OpenBackend {
  exactStore: ExactStore;
  vectorStore: VectorStore;
  /** Everything both stores hold, as comparable text (entries and vector records). */
  snapshot(): Promise<string>;
  /** Runs SQL on the vector store's database (pgvector backends only). */
  sql?: (text: string, params?: unknown[]) => Promise<unknown[]>;
  /** The pgvector table name (pgvector backends only). */
  table?: string;
  /** Removes what the stores hold and closes them. */
  close(): Promise<void>;
}

/** A combination of stores, and why it cannot run here (undefined when it can). */
export interface Backend {
  label: string;
  skip: string | undefined;
  open(now?: () => number): Promise<OpenBackend>;
}

let pglite: Promise<PGlite> | undefined;

/** The process's one PGlite (with pgvector); created on first use. */
function sharedPglite(): Promise<PGlite> {
  pglite ??= PGlite.create({ extensions: { vector } });
  return pglite;
}

/** Closes the shared PGlite, if one was created. Call from `afterAll`. */
export async function closeSharedDatabases(): Promise<void> {
  const p = pglite;
  pglite = undefined;
  if (p !== undefined) await (await p).close();
}

const unique = () => randomBytes(5).toString('hex');

function memory(now?: () => number) {
  const store = new MemoryExactStore({ maxEntries: 100_000, ...(now ? { now } : {}) });
  return {
    store,
    snapshot: async () => {
      const keys = store.keys().sort();
      const entries = await Promise.all(keys.map((k) => store.get(k)));
      return JSON.stringify(entries);
    },
  };
}

function redis(now?: () => number) {
  const prefix = `reliability:${unique()}:`;
  const store = new RedisExactStore({ url: process.env.REDIS_URL, prefix });
  void now; // Redis expires natively on its own clock; the cache judges expiresAt by `now`.
  return {
    store,
    snapshot: async () => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await store.client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      keys.sort();
      const values = await Promise.all(keys.map((k) => store.client.get(k)));
      return JSON.stringify(keys.map((k, i) => [k, values[i]]));
    },
  };
}

/** LSH keeps no listing: its snapshot is the record count (probes of known vectors are per test). */
function lsh(now?: () => number) {
  const store = new LshVectorStore({ dimension: DIMENSION, ...(now ? { now } : {}) });
  return { store, snapshot: async () => `lsh records: ${store.size}` };
}

async function pgvectorOn(db: PgQueryable, now?: () => number) {
  const table = `rel_${unique()}`;
  const store = new PgVectorStore({ db, dimension: DIMENSION, table, ...(now ? { now } : {}) });
  await store.init();
  const sql = async (text: string, params?: unknown[]) => (await db.query(text, params)).rows;
  return {
    store,
    table,
    sql,
    snapshot: async () =>
      JSON.stringify(
        await sql(`SELECT key, scope, embedding::text AS e, expires_at FROM ${table} ORDER BY key`),
      ),
    drop: async () => {
      await sql(`DROP TABLE IF EXISTS ${table}`);
    },
  };
}

function compose(
  exact: { store: ExactStore; snapshot(): Promise<string> },
  vec: {
    store: VectorStore;
    snapshot(): Promise<string>;
    sql?: OpenBackend['sql'];
    table?: string;
    drop?: () => Promise<void>;
  },
  after?: () => Promise<void>,
): OpenBackend {
  return {
    exactStore: exact.store,
    vectorStore: vec.store,
    sql: vec.sql,
    table: vec.table,
    snapshot: async () => `${await exact.snapshot()}\n${await vec.snapshot()}`,
    close: async () => {
      await exact.store.clear().catch(() => undefined);
      await vec.drop?.().catch(() => undefined);
      await Promise.allSettled([exact.store.close(), vec.store.close()]);
      await after?.();
    },
  };
}

const redisSkip = process.env.REDIS_URL ? undefined : 'REDIS_URL is not set';
const pgSkip = process.env.DATABASE_URL ? undefined : 'DATABASE_URL is not set';

/** Every combination of stores that can run here; server ones need REDIS_URL / DATABASE_URL. */
export const BACKENDS: Backend[] = [
  {
    label: 'memory + lsh',
    skip: undefined,
    open: async (now) => compose(memory(now), lsh(now)),
  },
  {
    label: 'memory + pgvector (PGlite)',
    skip: undefined,
    open: async (now) => compose(memory(now), await pgvectorOn(await sharedPglite(), now)),
  },
  {
    label: 'redis + lsh',
    skip: redisSkip,
    open: async (now) => compose(redis(now), lsh(now)),
  },
  {
    label: 'redis + pgvector (PostgreSQL)',
    skip: redisSkip ?? pgSkip,
    open: async (now) => {
      const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
      pool.on('error', () => {});
      return compose(redis(now), await pgvectorOn(pool, now), () => pool.end());
    },
  },
];

/** The entry under `key`, read straight from the exact store. */
export function entryIn(backend: OpenBackend, key: string): Promise<CacheEntry | undefined> {
  return backend.exactStore.get(key);
}
