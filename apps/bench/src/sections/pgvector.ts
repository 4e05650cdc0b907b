import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type PgQueryable, PgVectorStore } from '@cache/pgvector';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BruteForceIndex } from '../brute-force.js';
import { type BenchContext, benchScope, put, sized } from '../context.js';
import { makePlantedDataset, type PlantedDataset, rowOf } from '../dataset.js';
import { sampleLatencies } from '../measure.js';
import { type LatencySummary, summarize } from '../stats.js';
import { note, printTable } from '../table.js';
import { rowKey, runVectorStore } from '../vector-run.js';

const MIN_SIMILARITY = 0.85;
/** Largest PGlite database built within a run unless `--build-large-pglite` is given. */
const PGLITE_BUILD_LIMIT = 10_000;
const K = 10;

interface SizeFigures {
  backend: string;
  size: number;
  insertS: number;
  indexS: number;
  /** Set when the database was restored from the cache folder: when it was built. */
  builtAt?: string;
  recall: number;
  latency: LatencySummary;
}

interface BuildTimes {
  insertS: number;
  indexS: number;
  builtAt: string;
}

/**
 * Section `pgvector`: PgVectorStore (its own table, hnsw index and search SQL) at 10,000 and
 * 100,000 planted random vectors on PGlite (embedded, WASM) and on PostgreSQL when a URL is
 * given; recall against the exact scan, search latency, and the bare round trips of PGlite,
 * PostgreSQL and Redis beside them. Loading is a bulk import: the store creates its table and
 * index, the hnsw index is dropped, the rows go in through `upsert`, and the index is rebuilt
 * from its own definition (building an hnsw graph row by row takes many minutes here).
 * PGlite builds are slow (WASM, one thread), so a built PGlite database is kept in the cache
 * folder as a tar image and restored into memory by later runs; its build times are reported
 * with the date they were measured.
 */
export async function pgvectorSection(ctx: BenchContext): Promise<void> {
  const sizes = sized(ctx, [10_000, 100_000], [2_000, 10_000], [500]);
  const queryCount = sized(ctx, 200, 50, 10);
  const datasets = sizes.map((size, i) =>
    makePlantedDataset({
      size,
      dimension: 512,
      queries: queryCount,
      // The largest size uses the seed of the `ann` section: the same 100,000 vectors.
      seed: seedOf(ctx, i, sizes.length),
    }),
  );
  const truths = datasets.map((d) => exactTruth(d));
  const rows: SizeFigures[] = [];
  const trips: [string, LatencySummary][] = [];
  const tripCount = sized(ctx, 2_000, 500, 50);
  const skipped: string[] = [];

  for (const [i, data] of datasets.entries()) {
    const seed = seedOf(ctx, i, sizes.length);
    const image =
      ctx.cacheDir === undefined
        ? undefined
        : join(
            ctx.cacheDir,
            `pglite-${data.size}x${data.dimension}-seed${seed}-q${queryCount}.tar`,
          );
    const restored = image !== undefined && existsSync(image) && existsSync(`${image}.json`);
    if (!restored && data.size > PGLITE_BUILD_LIMIT && !ctx.buildLargePglite) {
      skipped.push(
        `PGlite at ${data.size.toLocaleString('en')} vectors skipped: no built image in the cache folder, and building one takes far longer than this run may (see the build times of the smaller size). Build it once with: pnpm bench --only pgvector --build-large-pglite`,
      );
      continue;
    }
    const db = restored
      ? await PGlite.create({
          loadDataDir: new Blob([readFileSync(image as string)]),
          extensions: { vector },
        })
      : await PGlite.create({ extensions: { vector } });
    try {
      if (i === 0) {
        trips.push([
          'PGlite: SELECT 1',
          await roundTrip('PGlite', () => db.query('SELECT 1'), tripCount),
        ]);
      }
      const table = `bench_vectors_${data.size}`;
      const scope = 'bench';
      const store = await PgVectorStore.create({
        dimension: data.dimension,
        db,
        table,
        purgeIntervalMs: 0,
      });
      try {
        let times: BuildTimes;
        if (restored) {
          times = JSON.parse(readFileSync(`${image}.json`, 'utf8')) as BuildTimes;
          const { rows: count } = (await db.query(`SELECT count(*)::int AS n FROM ${table}`)) as {
            rows: { n: number }[];
          };
          if (count[0]?.n !== data.size) {
            throw new Error(
              `pgvector: the PGlite image ${image} holds ${count[0]?.n} rows, not ${data.size}; delete it and run again.`,
            );
          }
        } else {
          times = await bulkLoad(db, db, store, table, scope, data, [
            "SET maintenance_work_mem = '512MB'",
          ]);
          if (image !== undefined) {
            mkdirSync(dirname(image), { recursive: true });
            const tar = await db.dumpDataDir('none');
            writeFileSync(image, new Uint8Array(await tar.arrayBuffer()));
            writeFileSync(`${image}.json`, `${JSON.stringify(times)}\n`);
          }
        }
        const run = await timeSearches(store, data, truths[i] as number[][], scope, ctx);
        rows.push({
          backend: 'PGlite',
          size: data.size,
          insertS: times.insertS,
          indexS: times.indexS,
          ...(restored ? { builtAt: times.builtAt } : {}),
          recall: run.recall.recall,
          latency: run.latency,
        });
      } finally {
        await store.close();
      }
    } finally {
      await db.close();
    }
  }

  if (ctx.databaseUrl === undefined) {
    note('pgvector: PostgreSQL skipped (no --database-url / DATABASE_URL)');
  } else {
    const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 2 });
    pool.on('error', () => {});
    const admin = new pg.Client({ connectionString: ctx.databaseUrl });
    await admin.connect();
    try {
      trips.push([
        'PostgreSQL: SELECT 1',
        await roundTrip('PostgreSQL', () => pool.query('SELECT 1'), tripCount),
      ]);
      for (const [i, data] of datasets.entries()) {
        const table = `bench_vectors_${process.pid}_${data.size}_${Date.now().toString(36)}`;
        const scope = benchScope('p');
        const store = await PgVectorStore.create({
          dimension: data.dimension,
          db: pool,
          table,
          purgeIntervalMs: 0,
        });
        try {
          const times = await bulkLoad(admin, pool, store, table, scope, data, [
            "SET maintenance_work_mem = '1GB'",
          ]);
          const run = await timeSearches(store, data, truths[i] as number[][], scope, ctx);
          rows.push({
            backend: 'PostgreSQL',
            size: data.size,
            insertS: times.insertS,
            indexS: times.indexS,
            recall: run.recall.recall,
            latency: run.latency,
          });
        } finally {
          await admin.query(`DROP TABLE IF EXISTS ${table}`);
          await store.close();
        }
      }
    } finally {
      await admin.end();
      await pool.end();
    }
  }

  if (ctx.redisUrl !== undefined) {
    const redis = new Redis(ctx.redisUrl, { lazyConnect: true });
    await redis.connect();
    const key = `bench:rt:${process.pid}:${Date.now()}`;
    await redis.set(key, 'x'.repeat(1000), 'EX', 600);
    trips.push(['Redis: PING', await roundTrip('PING', () => redis.ping(), tripCount)]);
    trips.push(['Redis: GET 1 KB', await roundTrip('GET', () => redis.get(key), tripCount)]);
    await redis.del(key);
    await redis.quit();
  }

  printTable(
    `PgVectorStore: random unit vectors × 512, ${queryCount} queries, cosine ≥ ${MIN_SIMILARITY}, k = ${K} (store defaults: hnsw m 16, ef_construction 64, ef_search 100, iterative scan)`,
    [
      'backend',
      'vectors',
      'recall',
      'p50 µs',
      'p99 µs',
      'mean µs',
      'insert s',
      'index build s',
      'built',
    ],
    rows.map((r) => [
      r.backend,
      r.size,
      r.recall,
      r.latency.p50Us,
      r.latency.p99Us,
      r.latency.meanUs,
      r.insertS,
      r.indexS,
      r.builtAt === undefined ? 'this run' : `cached, ${r.builtAt}`,
    ]),
  );
  for (const line of skipped) note(line);
  printTable(
    'Round trips beside them (sequential, one connection)',
    ['operation', 'p50 µs', 'p99 µs', 'mean µs'],
    trips.map(([name, s]) => [name, s.p50Us, s.p99Us, s.meanUs]),
  );
  put(ctx.report, 'pgvector', {
    queries: queryCount,
    results: rows.map((r) => ({
      backend: r.backend,
      size: r.size,
      recall: r.recall,
      p50Us: r.latency.p50Us,
      p99Us: r.latency.p99Us,
      meanUs: r.latency.meanUs,
      insertS: r.insertS,
      indexBuildS: r.indexS,
      ...(r.builtAt === undefined ? {} : { builtAt: r.builtAt }),
    })),
    skipped,
    roundTrips: Object.fromEntries(
      trips.map(([name, s]) => [name, { p50Us: s.p50Us, p99Us: s.p99Us }]),
    ),
  });
}

function seedOf(ctx: BenchContext, i: number, count: number): number {
  return i === count - 1 ? ctx.seed : ctx.seed + 1 + i;
}

async function roundTrip(
  name: string,
  fn: () => Promise<unknown>,
  iterations: number,
): Promise<LatencySummary> {
  return summarize(await sampleLatencies(name, fn, { iterations, warmup: 50, async: true }));
}

function exactTruth(data: PlantedDataset): number[][] {
  const brute = new BruteForceIndex(data.data, data.dimension);
  return data.queries.map((q) => brute.search(q, K, MIN_SIMILARITY).map((m) => m.row));
}

/** Drops the store's hnsw index, loads every row through `upsert`, rebuilds the index from its definition. */
async function bulkLoad(
  admin: PgQueryable,
  db: PgQueryable,
  store: PgVectorStore,
  table: string,
  scope: string,
  data: PlantedDataset,
  buildSettings: readonly string[],
): Promise<BuildTimes> {
  const { rows } = (await admin.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%USING hnsw%'`,
    [table],
  )) as { rows: { indexname: string; indexdef: string }[] };
  if (rows.length !== 1)
    throw new Error(`pgvector: expected one hnsw index on ${table}, found ${rows.length}.`);
  const index = rows[0] as { indexname: string; indexdef: string };
  await admin.query(`DROP INDEX "${index.indexname}"`);
  const insertStart = performance.now();
  for (let start = 0; start < data.size; start += 1_000) {
    const records = [];
    for (let i = start; i < Math.min(data.size, start + 1_000); i++) {
      records.push({ key: rowKey(scope, i), scope, vector: rowOf(data, i).slice() });
    }
    await store.upsert(records);
  }
  const insertS = (performance.now() - insertStart) / 1000;
  const indexStart = performance.now();
  for (const statement of buildSettings) await admin.query(statement);
  await admin.query(index.indexdef);
  await db.query(`ANALYZE ${table}`);
  const indexS = (performance.now() - indexStart) / 1000;
  return { insertS, indexS, builtAt: new Date().toISOString() };
}

async function timeSearches(
  store: PgVectorStore,
  data: PlantedDataset,
  truth: number[][],
  scope: string,
  ctx: BenchContext,
) {
  // The rows are in; runVectorStore loads nothing more (size 0) and only times the searches.
  return runVectorStore(store, { size: 0, row: () => new Float32Array(0) }, data.queries, truth, {
    scope,
    k: K,
    minSimilarity: MIN_SIMILARITY,
    batch: 1,
    warmup: sized(ctx, 20, 10, 2),
    measureMemory: false,
  });
}
