import { randomBytes } from 'node:crypto';
import { keyIn, randomScope, TestRandom } from '@cache/conformance';
import {
  DimensionMismatchError,
  InvalidOptionError,
  InvalidRequestError,
  StoreUnavailableError,
} from '@cache/core';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PgQueryable,
  PgVectorStore,
  tableNames,
  VectorExtensionMissingError,
} from '../src/index.js';

const unique = (name: string) => `${name}_${randomBytes(4).toString('hex')}`;

describe('PgVectorStore options', () => {
  const db: PgQueryable = { query: async () => ({ rows: [] }) };

  it.each([
    'cache; DROP TABLE users',
    '1abc',
    'a.b.c',
    'with space',
    'quote"d',
    '',
    'x'.repeat(49),
  ])('rejects the table name %j', (table) => {
    expect(() => new PgVectorStore({ db, dimension: 3, table })).toThrow(InvalidOptionError);
  });

  it('accepts schema-qualified names and quotes them', () => {
    expect(tableNames('public.Cache_1').quoted).toBe('"public"."Cache_1"');
  });

  it.each([0, -1, 1.5, 2001, Number.NaN])('rejects dimension %s', (dimension) => {
    expect(() => new PgVectorStore({ db, dimension })).toThrow(InvalidOptionError);
  });

  it('wants exactly one of db and connectionString', () => {
    expect(() => new PgVectorStore({ dimension: 3 })).toThrow(InvalidOptionError);
    expect(
      () => new PgVectorStore({ db, connectionString: 'postgres://x@127.0.0.1/x', dimension: 3 }),
    ).toThrow(InvalidOptionError);
  });
});

describe('PgVectorStore on PGlite', () => {
  let pglite: PGlite;
  beforeAll(async () => {
    pglite = await PGlite.create({ extensions: { vector } });
  }, 120_000);
  afterAll(async () => {
    await pglite?.close();
  });

  it('writes a batch of records in one statement', async () => {
    const statements: string[] = [];
    const counting: PgQueryable = {
      query: (text, params) => {
        statements.push(text);
        return pglite.query(text, params);
      },
    };
    const store = new PgVectorStore({
      db: counting,
      dimension: 4,
      table: unique('batch'),
      purgeIntervalMs: 0,
    });
    await store.init();
    statements.length = 0;
    const rng = new TestRandom(1);
    const scope = randomScope();
    const records = Array.from({ length: 250 }, (_, i) => ({
      key: keyIn(scope, `b${i}`),
      scope,
      vector: rng.unit(4),
    }));
    await store.upsert(records);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/ON CONFLICT \(key\) DO UPDATE/);
    const { rows } = await pglite.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${store.table}`,
    );
    expect(rows[0]?.n).toBe(250);
  }, 60_000);

  it('hides expired records at search time and purges them', async () => {
    let now = 1_000_000;
    const table = unique('expiry');
    const store = new PgVectorStore({
      db: pglite,
      dimension: 4,
      table,
      purgeIntervalMs: 1000,
      now: () => now,
    });
    const rng = new TestRandom(2);
    const scope = randomScope();
    const v = rng.unit(4);
    await store.upsert([
      { key: keyIn(scope, 'soon'), scope, vector: v, expiresAt: now + 500 },
      { key: keyIn(scope, 'late'), scope, vector: rng.atCosine(v, 0.95), expiresAt: now + 5000 },
    ]);
    expect((await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).map((m) => m.key)).toEqual([
      keyIn(scope, 'soon'),
      keyIn(scope, 'late'),
    ]);
    now += 2000;
    expect((await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).map((m) => m.key)).toEqual([
      keyIn(scope, 'late'),
    ]);
    const count = async () =>
      (await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n;
    expect(await count()).toBe(2);
    // The upsert after purgeIntervalMs also deletes what has expired.
    await store.upsert([{ key: keyIn(scope, 'new'), scope, vector: rng.unit(4) }]);
    expect(await count()).toBe(2);
    now += 10_000;
    expect(await store.purgeExpired()).toBe(1);
    expect(await count()).toBe(1);
  }, 60_000);

  it('treats rows of a wrong dimension as corruption: counted, deleted, skipped', async () => {
    const table = unique('corrupt');
    const seen: string[][] = [];
    const store = new PgVectorStore({
      db: pglite,
      dimension: 4,
      table,
      onCorruptRecords: (keys) => seen.push(keys),
    });
    const rng = new TestRandom(3);
    const scope = randomScope();
    const v = rng.unit(4);
    await store.upsert([{ key: keyIn(scope, 'good'), scope, vector: v }]);
    // Someone loosens the column by hand and writes a 3-dimensional vector.
    await pglite.exec(`DROP INDEX ${table}_embedding_hnsw;
      ALTER TABLE ${table} ALTER COLUMN embedding TYPE vector;
      INSERT INTO ${table} VALUES ('${keyIn(scope, 'bad')}', '${scope}', '[1,2,3]', NULL);`);
    const matches = await store.search(v, { scope, k: 5, minSimilarity: -1 });
    expect(matches.map((m) => m.key)).toEqual([keyIn(scope, 'good')]);
    expect(store.corruptRecords).toBe(1);
    expect(seen).toEqual([[keyIn(scope, 'bad')]]);
    const { rows } = await pglite.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE key = $1`,
      [keyIn(scope, 'bad')],
    );
    expect(rows[0]?.n).toBe(0);
  }, 60_000);

  it('refuses an existing table of another dimension', async () => {
    const table = unique('dims');
    await new PgVectorStore({ db: pglite, dimension: 4, table }).init();
    const error = await new PgVectorStore({ db: pglite, dimension: 5, table })
      .init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DimensionMismatchError);
    expect((error as Error).message).toMatch(/expected a vector of dimension 5, got 4/);
  }, 60_000);

  it('refuses an existing table that it did not create', async () => {
    const table = unique('foreign');
    await pglite.exec(`CREATE TABLE ${table} (id serial PRIMARY KEY, name text)`);
    await expect(
      new PgVectorStore({ db: pglite, dimension: 4, table }).init(),
    ).rejects.toBeInstanceOf(InvalidOptionError);
  }, 60_000);

  it('validates records and search options before touching the database', async () => {
    const store = new PgVectorStore({ db: pglite, dimension: 4, table: unique('valid') });
    const v = new TestRandom(4).unit(4);
    await expect(store.upsert([{ key: '', scope: 's', vector: v }])).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(
      store.upsert([{ key: 'k', scope: 's', vector: v, expiresAt: Number.NaN }]),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.search(v, { scope: '', k: 1, minSimilarity: 0 })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});

describe('PgVectorStore on PGlite without the vector extension', () => {
  it('fails with VectorExtensionMissingError that says how to install it', async () => {
    const bare = await PGlite.create();
    try {
      const error = await PgVectorStore.create({ db: bare, dimension: 4 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VectorExtensionMissingError);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as VectorExtensionMissingError).retryable).toBe(false);
      expect((error as Error).message).toMatch(/pgvector/);
      expect((error as Error).message).toMatch(/@electric-sql\/pglite-pgvector/);
    } finally {
      await bare.close();
    }
  }, 120_000);
});
