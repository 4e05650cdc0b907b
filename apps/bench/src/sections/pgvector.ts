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
const K = 10;

/** One database the section runs on. */
interface Backend {
  name: string;
  /** Session for schema statements (index drop and rebuild). */
  admin: PgQueryable;
  /** What the store is given. */
  db: PgQueryable;
  /** Statements run in the admin session before an index build. */
  buildSettings: string[];
  close(): Promise<void>;
}

interface SizeFigures {
  backend: string;
  size: number;
  insertS: number;
  indexS: number;
  recall: number;
  latency: LatencySummary;
}

/**
 * Section `pgvector`: PgVectorStore (its own table, hnsw index and search SQL) at 10,000 and
 * 100,000 planted random vectors on PGlite (embedded, WASM) and on PostgreSQL when a URL is
 * given; recall against the exact scan, search latency, and the bare round trips of PGlite,
 * PostgreSQL and Redis beside them. Loading is a bulk import: the store creates its table and
 * index, the hnsw index is dropped, the rows go in through `upsert`, and the index is rebuilt
 * from its own definition (building an hnsw graph row by row takes many minutes here).
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
      seed: i === sizes.length - 1 ? ctx.seed : ctx.seed + 1 + i,
    }),
  );
  const truths = datasets.map((d) => exactTruth(d));

  const backends: (() => Promise<Backend>)[] = [openPglite];
  if (ctx.databaseUrl !== undefined) backends.push(() => openPostgres(ctx.databaseUrl as string));
  else note('pgvector: PostgreSQL skipped (no --database-url / DATABASE_URL)');

  const rows: SizeFigures[] = [];
  const trips: [string, LatencySummary][] = [];
  for (const open of backends) {
    const backend = await open();
    try {
      const rt = summarize(
        await sampleLatencies(`${backend.name} SELECT 1`, () => backend.db.query('SELECT 1'), {
          iterations: sized(ctx, 2_000, 500, 50),
          warmup: 50,
          async: true,
        }),
      );
      trips.push([`${backend.name}: SELECT 1`, rt]);
      for (const [i, data] of datasets.entries()) {
        rows.push(await runOne(backend, data, truths[i] as number[][], ctx));
      }
    } finally {
      await backend.close();
    }
  }
  if (ctx.redisUrl !== undefined) {
    const redis = new Redis(ctx.redisUrl, { lazyConnect: true });
    await redis.connect();
    const key = `bench:rt:${process.pid}:${Date.now()}`;
    await redis.set(key, 'x'.repeat(1000), 'EX', 600);
    trips.push([
      'Redis: PING',
      summarize(
        await sampleLatencies('PING', () => redis.ping(), {
          iterations: sized(ctx, 2_000, 500, 50),
          warmup: 50,
          async: true,
        }),
      ),
    ]);
    trips.push([
      'Redis: GET 1 KB',
      summarize(
        await sampleLatencies('GET', () => redis.get(key), {
          iterations: sized(ctx, 2_000, 500, 50),
          warmup: 50,
          async: true,
        }),
      ),
    ]);
    await redis.del(key);
    await redis.quit();
  }

  printTable(
    `PgVectorStore: random unit vectors × 512, ${queryCount} queries, cosine ≥ ${MIN_SIMILARITY}, k = ${K} (store defaults: hnsw m 16, ef_construction 64, ef_search 100, iterative scan)`,
    ['backend', 'vectors', 'recall', 'p50 µs', 'p99 µs', 'mean µs', 'insert s', 'index build s'],
    rows.map((r) => [
      r.backend,
      r.size,
      r.recall,
      r.latency.p50Us,
      r.latency.p99Us,
      r.latency.meanUs,
      r.insertS,
      r.indexS,
    ]),
  );
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
    })),
    roundTrips: Object.fromEntries(
      trips.map(([name, s]) => [name, { p50Us: s.p50Us, p99Us: s.p99Us }]),
    ),
  });
}

function exactTruth(data: PlantedDataset): number[][] {
  const brute = new BruteForceIndex(data.data, data.dimension);
  return data.queries.map((q) => brute.search(q, K, MIN_SIMILARITY).map((m) => m.row));
}

async function runOne(
  backend: Backend,
  data: PlantedDataset,
  truth: number[][],
  ctx: BenchContext,
): Promise<SizeFigures> {
  const table = `bench_vectors_${process.pid}_${data.size}_${Date.now().toString(36)}`;
  const store = await PgVectorStore.create({
    dimension: data.dimension,
    db: backend.db,
    table,
    purgeIntervalMs: 0,
  });
  try {
    const { rows } = (await backend.admin.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef ILIKE '%USING hnsw%'`,
      [table],
    )) as { rows: { indexname: string; indexdef: string }[] };
    if (rows.length !== 1)
      throw new Error(`pgvector: expected one hnsw index on ${table}, found ${rows.length}.`);
    const index = rows[0] as { indexname: string; indexdef: string };
    await backend.admin.query(`DROP INDEX "${index.indexname}"`);

    const scope = benchScope('p');
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
    for (const statement of backend.buildSettings) await backend.admin.query(statement);
    await backend.admin.query(index.indexdef);
    await backend.admin.query(`ANALYZE ${table}`);
    const indexS = (performance.now() - indexStart) / 1000;

    // The rows are in; runVectorStore loads nothing more (size 0) and only times the searches.
    const run = await runVectorStore(
      store,
      { size: 0, row: () => new Float32Array(0) },
      data.queries,
      truth,
      {
        scope,
        k: K,
        minSimilarity: MIN_SIMILARITY,
        batch: 1,
        warmup: sized(ctx, 20, 10, 2),
        measureMemory: false,
      },
    );
    return {
      backend: backend.name,
      size: data.size,
      insertS,
      indexS,
      recall: run.recall.recall,
      latency: run.latency,
    };
  } finally {
    await backend.admin.query(`DROP TABLE IF EXISTS ${table}`);
    await store.close();
  }
}

async function openPglite(): Promise<Backend> {
  const db = await PGlite.create({ extensions: { vector } });
  return {
    name: 'PGlite',
    admin: db,
    db,
    buildSettings: ["SET maintenance_work_mem = '512MB'"],
    close: () => db.close(),
  };
}

async function openPostgres(url: string): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await pool.query('SELECT 1');
  return {
    name: 'PostgreSQL',
    admin,
    db: pool,
    buildSettings: ["SET maintenance_work_mem = '1GB'"],
    close: async () => {
      await admin.end();
      await pool.end();
    },
  };
}
