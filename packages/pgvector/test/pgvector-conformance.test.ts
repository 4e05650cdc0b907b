import { randomBytes } from 'node:crypto';
import { vectorStoreSuite } from '@cache/conformance';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PgVectorStore } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL;
/** One table per run, so concurrent runs and other suites never see each other's rows. */
const table = `cachetest_${randomBytes(5).toString('hex')}`;

let pool: pg.Pool | undefined;
if (databaseUrl) {
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await pool?.end();
  });
}

vectorStoreSuite(
  'pgvector (PostgreSQL at DATABASE_URL)',
  ({ dimension }) => new PgVectorStore({ db: pool as pg.Pool, dimension, table }),
  { skip: databaseUrl ? false : 'DATABASE_URL is not set', timeoutMs: 30_000 },
);

let pglite: PGlite | undefined;
beforeAll(async () => {
  pglite = await PGlite.create({ extensions: { vector } });
}, 120_000);
afterAll(async () => {
  await pglite?.close();
});

vectorStoreSuite(
  'pgvector (PGlite)',
  ({ dimension }) => new PgVectorStore({ db: pglite as PGlite, dimension, table }),
  { timeoutMs: 60_000 },
);
