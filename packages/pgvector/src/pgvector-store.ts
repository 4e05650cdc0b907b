import {
  assertValidVector,
  ClosedError,
  DimensionMismatchError,
  InvalidOptionError,
  InvalidRequestError,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';
import pg from 'pg';
import pgvector from 'pgvector';
import { isPool, type PgQueryable } from './pg-queryable.js';
import {
  isExtensionMissing,
  sqlStateOf,
  toStoreError,
  VectorExtensionMissingError,
} from './pgvector-errors.js';
import type { PgVectorStoreOptions } from './pgvector-options.js';
import {
  COLUMNS_SQL,
  createStatements,
  DEFAULT_TABLE,
  deleteWrongDimensionSql,
  searchSql,
  type TableNames,
  tableNames,
  upsertSql,
} from './pgvector-sql.js';

/** hnsw indexes vectors of at most 2,000 dimensions. */
const MAX_DIMENSION = 2_000;
/** Errors of two setups racing on the same catalog rows; running the statement again succeeds. */
const SETUP_RACE_STATES = new Set(['23505', '42P07', '42710']);

/**
 * Vector store on PostgreSQL + pgvector, through a `pg` Pool (or a connection string) or PGlite.
 * On first use it creates the `vector` extension, the table and an hnsw index
 * (`vector_cosine_ops`) when absent, idempotently, and checks an existing table's dimension.
 * Searches filter on the scope and the expiry in SQL, use the hnsw index with an iterative scan,
 * and report cosine similarity (1 − cosine distance). Failures reject with
 * `StoreUnavailableError`; a missing extension with {@link VectorExtensionMissingError}.
 */
export class PgVectorStore implements VectorStore {
  /** Always `pgvector`. */
  readonly name = 'pgvector';
  /** Length of every vector. */
  readonly dimension: number;
  /** The table (as given) that holds the vectors. */
  readonly table: string;

  private readonly db: PgQueryable;
  private readonly ownsDb: boolean;
  private readonly names: TableNames;
  private readonly createExtension: boolean;
  private readonly hnsw: { m: number; efConstruction: number; efSearch: number; scan: string };
  private readonly purgeIntervalMs: number;
  private readonly now: () => number;
  private readonly onCorruptRecords: ((keys: string[]) => void) | undefined;
  private sessionSettings: [string, string][] = [];
  private setup: Promise<void> | undefined;
  private lastPurge = 0;
  private corrupt = 0;
  private closed = false;

  /** Creates the store; the database is set up on first use (or by {@link init}). */
  constructor(options: PgVectorStoreOptions) {
    const dimension = options?.dimension;
    if (!Number.isSafeInteger(dimension) || dimension <= 0 || dimension > MAX_DIMENSION) {
      throw new InvalidOptionError(
        `PgVectorStore: dimension must be an integer from 1 to ${MAX_DIMENSION} (the hnsw limit), got ${String(dimension)}.`,
      );
    }
    this.dimension = dimension;
    this.table = options.table ?? DEFAULT_TABLE;
    this.names = tableNames(this.table);
    this.createExtension = options.createExtension ?? true;
    const h = options.hnsw ?? {};
    this.hnsw = {
      m: integerIn(h.m ?? 16, 2, 100, 'hnsw.m'),
      efConstruction: integerIn(h.efConstruction ?? 64, 4, 1000, 'hnsw.efConstruction'),
      efSearch: integerIn(h.efSearch ?? 100, 1, 1000, 'hnsw.efSearch'),
      scan: h.iterativeScan ?? 'strict_order',
    };
    if (!['strict_order', 'relaxed_order', 'off'].includes(this.hnsw.scan)) {
      throw new InvalidOptionError(
        `PgVectorStore: hnsw.iterativeScan must be strict_order, relaxed_order or off, got ${String(this.hnsw.scan)}.`,
      );
    }
    this.purgeIntervalMs = integerIn(
      options.purgeIntervalMs ?? 60_000,
      0,
      2 ** 31,
      'purgeIntervalMs',
    );
    this.now = options.now ?? Date.now;
    this.onCorruptRecords = options.onCorruptRecords;

    if ((options.db === undefined) === (options.connectionString === undefined)) {
      throw new InvalidOptionError(
        'PgVectorStore: give exactly one of `db` (a pg Pool or Client, or PGlite) and `connectionString`.',
      );
    }
    if (options.db !== undefined) {
      if (typeof options.db.query !== 'function') {
        throw new InvalidOptionError('PgVectorStore: `db` must have a query(text, params) method.');
      }
      this.db = options.db;
      this.ownsDb = options.closeDb ?? false;
    } else {
      const pool = new pg.Pool({
        connectionTimeoutMillis: 5_000,
        ...options.poolConfig,
        connectionString: options.connectionString,
      });
      // Idle connections report a server restart as an 'error' event; without a listener that
      // event would kill the process. The pool drops them and connects afresh on the next call.
      pool.on('error', () => {});
      this.db = pool;
      this.ownsDb = options.closeDb ?? true;
    }
  }

  /** Creates a store and sets its database up, so a missing extension fails here. */
  static async create(options: PgVectorStoreOptions): Promise<PgVectorStore> {
    const store = new PgVectorStore(options);
    try {
      await store.init();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Number of rows with a wrong dimension found (and deleted) since construction. */
  get corruptRecords(): number {
    return this.corrupt;
  }

  /**
   * Creates the extension, table and indexes when absent and checks an existing table. Runs once
   * (again after a failure); every other method calls it first.
   */
  init(): Promise<void> {
    this.assertOpen();
    if (this.setup === undefined) {
      this.setup = this.runSetup().catch((error: unknown) => {
        this.setup = undefined;
        throw error;
      });
    }
    return this.setup;
  }

  /** Inserts or replaces the records in one statement (the last of duplicate keys wins). */
  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(records)) {
      throw new InvalidRequestError('PgVectorStore.upsert: records must be an array.');
    }
    const byKey = new Map<string, VectorRecord>();
    for (const record of records) {
      checkText(record?.key, 'upsert', 'key');
      checkText(record.scope, 'upsert', 'scope');
      assertValidVector(record.vector, this.dimension, 'PgVectorStore.upsert');
      if (record.expiresAt !== undefined && !Number.isFinite(record.expiresAt)) {
        throw new InvalidRequestError(
          `PgVectorStore.upsert: expiresAt of ${record.key} must be a finite epoch ms or omitted.`,
        );
      }
      byKey.set(record.key, record);
    }
    if (byKey.size === 0) return;
    // Rows are locked in key order, so concurrent batches sharing keys cannot deadlock.
    const rows = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await this.run('upsert', async () => {
      await this.db.query(upsertSql(this.names), [
        rows.map((r) => r.key),
        rows.map((r) => r.scope),
        rows.map((r) => pgvector.toSql(Array.from(r.vector))),
        rows.map((r) => (r.expiresAt === undefined ? null : Math.ceil(r.expiresAt))),
      ]);
    });
    if (this.purgeIntervalMs > 0 && this.now() - this.lastPurge >= this.purgeIntervalMs) {
      await this.purgeExpired();
    }
  }

  /** The live records of `options.scope` at least `minSimilarity` similar to `vector`, best first. */
  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    this.assertOpen();
    assertValidVector(vector, this.dimension, 'PgVectorStore.search');
    const { scope, k, minSimilarity } = options ?? ({} as VectorSearchOptions);
    checkText(scope, 'search', 'scope');
    if (!Number.isSafeInteger(k) || k <= 0) {
      throw new InvalidRequestError(
        `PgVectorStore.search: k must be a positive integer, got ${String(k)}.`,
      );
    }
    if (!Number.isFinite(minSimilarity) || minSimilarity < -1 || minSimilarity > 1) {
      throw new InvalidRequestError(
        `PgVectorStore.search: minSimilarity is a cosine similarity in [-1, 1], got ${String(minSimilarity)}.`,
      );
    }
    const params = [pgvector.toSql(Array.from(vector)), scope, this.now(), k, 1 - minSimilarity];
    return this.run('search', async () => {
      let rows: unknown[];
      try {
        rows = await this.searchRows(params);
      } catch (error) {
        if (!isDimensionError(error)) throw error;
        await this.removeWrongDimensions();
        rows = await this.searchRows(params);
      }
      return (rows as Array<{ key: string; similarity: number | string }>).map((row) => ({
        key: row.key,
        similarity: Math.max(-1, Math.min(1, Number(row.similarity))),
      }));
    });
  }

  /** Removes the records with these keys; unknown keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(keys))
      throw new InvalidRequestError('PgVectorStore.delete: keys must be an array.');
    for (const key of keys) checkText(key, 'delete', 'key');
    if (keys.length === 0) return;
    await this.run('delete', () =>
      this.db.query(`DELETE FROM ${this.names.quoted} WHERE key = ANY($1::text[])`, [[...keys]]),
    );
  }

  /** Removes every record of `scope`, or every record of the table when omitted. */
  async clear(scope?: string): Promise<void> {
    this.assertOpen();
    if (scope !== undefined) checkText(scope, 'clear', 'scope');
    await this.run('clear', () =>
      scope === undefined
        ? this.db.query(`DELETE FROM ${this.names.quoted}`)
        : this.db.query(`DELETE FROM ${this.names.quoted} WHERE scope = $1`, [scope]),
    );
  }

  /** Deletes expired rows now; resolves with how many were removed. */
  async purgeExpired(): Promise<number> {
    this.assertOpen();
    const now = this.now();
    this.lastPurge = now;
    const result = await this.run('purgeExpired', () =>
      this.db.query(
        `WITH gone AS (DELETE FROM ${this.names.quoted} WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [now],
      ),
    );
    return Number((result.rows[0] as { n: number | string } | undefined)?.n ?? 0);
  }

  /** Ends the pool when the store owns it; later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsDb) return;
    const closable = this.db as { end?: () => Promise<void>; close?: () => Promise<void> };
    try {
      if (typeof closable.end === 'function') await closable.end();
      else if (typeof closable.close === 'function') await closable.close();
    } catch (error) {
      throw toStoreError('close', error);
    }
  }

  private async runSetup(): Promise<void> {
    const version = await this.ensureExtension();
    const [createTable, ...createIndexes] = createStatements(this.names, this.dimension, this.hnsw);
    await this.setupStatement(createTable as string);
    await this.checkColumns();
    for (const statement of createIndexes) await this.setupStatement(statement);

    const settings: [string, string][] = [['hnsw.ef_search', String(this.hnsw.efSearch)]];
    if (compareVersions(version, '0.8.0') >= 0) {
      settings.push(['hnsw.iterative_scan', this.hnsw.scan]);
    }
    this.sessionSettings = settings;
  }

  private async ensureExtension(): Promise<string> {
    const read = async () =>
      (
        (await this.db.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
          .rows[0] as { extversion: string } | undefined
      )?.extversion;
    const existing = await read();
    if (existing !== undefined) return existing;
    if (!this.createExtension) {
      throw new VectorExtensionMissingError(
        'it is not created in this database and createExtension is false',
      );
    }
    try {
      await this.setupStatement('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (error) {
      if (isExtensionMissing(error)) {
        throw new VectorExtensionMissingError((error as Error).message, { cause: error });
      }
      if (sqlStateOf(error) === '42501') {
        throw new VectorExtensionMissingError(
          `this role may not create it: ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw error;
    }
    const created = await read();
    if (created === undefined)
      throw new VectorExtensionMissingError('CREATE EXTENSION had no effect');
    return created;
  }

  /** Runs a DDL statement, once more when a concurrent setup won a catalog race. */
  private async setupStatement(sql: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.query(sql);
        return;
      } catch (error) {
        const state = sqlStateOf(error);
        if (attempt >= 3 || state === undefined || !SETUP_RACE_STATES.has(state)) throw error;
      }
    }
  }

  private async checkColumns(): Promise<void> {
    const { rows } = await this.db.query(COLUMNS_SQL, [this.names.quoted]);
    const columns = new Map(
      (rows as Array<{ name: string; type: string; typmod: number }>).map((c) => [c.name, c]),
    );
    const expected: Record<string, string> = {
      key: 'text',
      scope: 'text',
      embedding: 'vector',
      expires_at: 'int8',
    };
    for (const [name, type] of Object.entries(expected)) {
      if (columns.get(name)?.type !== type) {
        throw new InvalidOptionError(
          `PgVectorStore: table ${this.table} exists but its column "${name}" is not of type ${type}; it was not created by PgVectorStore. Choose another table name.`,
        );
      }
    }
    const typmod = Number(columns.get('embedding')?.typmod);
    if (typmod > 0 && typmod !== this.dimension) {
      throw new DimensionMismatchError(this.dimension, typmod, `PgVectorStore table ${this.table}`);
    }
  }

  private async searchRows(params: unknown[]): Promise<unknown[]> {
    const sql = searchSql(this.names);
    const db = this.db;
    if (!isPool(db)) {
      await ensureSettings(db, this.sessionSettings);
      return (await db.query(sql, params)).rows;
    }
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      await ensureSettings(client, this.sessionSettings);
      return (await client.query(sql, params)).rows;
    } catch (error) {
      // A connection-level failure (no SQLSTATE) means the session is gone: let the pool drop it.
      if (sqlStateOf(error) === undefined)
        broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async removeWrongDimensions(): Promise<void> {
    const { rows } = await this.db.query(deleteWrongDimensionSql(this.names), [this.dimension]);
    const keys = (rows as Array<{ key: string }>).map((r) => r.key);
    this.corrupt += keys.length;
    if (keys.length > 0) this.onCorruptRecords?.(keys);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('PgVectorStore');
  }

  private async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      await this.init();
      return await call();
    } catch (error) {
      // The table was dropped behind the store's back: set it up again on the next call.
      if (sqlStateOf(error) === '42P01') this.setup = undefined;
      throw toStoreError(operation, error);
    }
  }
}

/**
 * Search settings last applied to each session (a pooled connection, a Client, a PGlite). Kept
 * per session rather than per store, so stores with different settings can share a database.
 */
const appliedSettings = new WeakMap<object, string>();

/** Applies `settings` to the session `db` (session-level, like SET) unless they are in force. */
async function ensureSettings(db: PgQueryable, settings: [string, string][]): Promise<void> {
  const signature = JSON.stringify(settings);
  if (settings.length === 0 || appliedSettings.get(db) === signature) return;
  const calls = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
  await db.query(`SELECT ${calls.join(', ')}`, settings.flat());
  appliedSettings.set(db, signature);
}

function isDimensionError(error: unknown): boolean {
  return (
    sqlStateOf(error) === '22000' &&
    /different vector dimensions|expected \d+ dimensions/.test((error as Error).message)
  );
}

function checkText(value: unknown, method: string, what: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidRequestError(`PgVectorStore.${method}: ${what} must be a non-empty string.`);
  }
}

function integerIn(value: number, min: number, max: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(
      `PgVectorStore: ${name} must be an integer from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
