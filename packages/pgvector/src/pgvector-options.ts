import type { PoolConfig } from 'pg';
import type { PgQueryable } from './pg-queryable.js';

/** How the hnsw index is built and searched. */
export interface HnswOptions {
  /** Links per node when building (pgvector default 16). */
  m?: number;
  /** Candidate list size when building (pgvector default 64). */
  efConstruction?: number;
  /**
   * Candidate list size when searching (`hnsw.ef_search`, default 100 here, 40 in pgvector).
   * Larger finds more of the true neighbours and costs more.
   */
  efSearch?: number;
  /**
   * `hnsw.iterative_scan` (pgvector ≥ 0.8; default `strict_order`). An hnsw scan returns its
   * `efSearch` nearest candidates and only then applies the scope and expiry filters, so without
   * an iterative scan a small scope in a large table can come back empty although it holds a
   * close match. `strict_order` keeps scanning until `k` rows pass the filters, in exact
   * distance order; `relaxed_order` is faster and may return a slightly farther candidate first
   * (results are re-sorted, but a closer one may be cut by `k`); `off` is pgvector's default.
   * Ignored on pgvector < 0.8. The scan stops after `hnsw.max_scan_tuples` (20,000) tuples.
   */
  iterativeScan?: 'strict_order' | 'relaxed_order' | 'off';
}

/** Options of {@link PgVectorStore}. Give exactly one of `db` and `connectionString`. */
export interface PgVectorStoreOptions {
  /** Length of every vector (the `vector(n)` column); a positive integer up to 2,000 (hnsw limit). */
  dimension: number;
  /**
   * A database: a `pg` `Pool` (recommended: the store survives server restarts), a `pg` `Client`
   * or a PGlite instance created with the vector extension. Not closed by `close()` unless
   * `closeDb` is true. Give a `pg` Pool an `error` listener: idle connections report a server
   * restart as an `error` event, which kills the process when nobody listens.
   */
  db?: PgQueryable;
  /** A `postgres://` URL; the store creates (and closes) its own `pg` Pool. */
  connectionString?: string;
  /** Extra `pg` Pool settings used with `connectionString` (e.g. `max`, `ssl`). */
  poolConfig?: Omit<PoolConfig, 'connectionString'>;
  /** Whether `close()` closes `db`. Default: true for a pool the store created, else false. */
  closeDb?: boolean;
  /** Table name, `name` or `schema.name` (default `cache_vectors`); created when absent. */
  table?: string;
  /**
   * Run `CREATE EXTENSION IF NOT EXISTS vector` when the extension is not there yet (default
   * true; needs the privilege to create it). When false, a missing extension fails setup.
   */
  createExtension?: boolean;
  /** hnsw build and search settings. */
  hnsw?: HnswOptions;
  /**
   * Expired rows are never returned; at most this often (default 60,000 ms) an `upsert` also
   * deletes them. `purgeExpired()` does it on demand.
   */
  purgeIntervalMs?: number;
  /** The clock (epoch ms) that expiry is judged by; default `Date.now`. */
  now?: () => number;
  /**
   * Called with the keys of rows that did not have the store's dimension (a table altered by
   * hand): they are counted, deleted and skipped.
   */
  onCorruptRecords?: (keys: string[]) => void;
}
