import { randomBytes } from 'node:crypto';
import { describeWithServer, keyIn, randomScope, TestRandom } from '@cache/conformance';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgVectorStore, searchSql, tableNames } from '../src/index.js';

const databaseUrl = process.env.DATABASE_URL;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function indexesUsed(node: PlanNode): string[] {
  return [
    ...(node['Index Name'] ? [node['Index Name']] : []),
    ...(node.Plans ?? []).flatMap(indexesUsed),
  ];
}

describeWithServer(
  'PgVectorStore on the PostgreSQL at DATABASE_URL',
  databaseUrl ? undefined : 'DATABASE_URL is not set',
  () => {
    const dimension = 32;
    const table = `cachetest_${randomBytes(5).toString('hex')}`;
    const rng = new TestRandom(11);
    const bigScopes = [randomScope(), randomScope(), randomScope()];
    const tinyScope = randomScope();
    const tinyKeys = [0, 1, 2].map((i) => keyIn(tinyScope, `tiny${i}`));
    const probe = rng.unit(dimension);
    const probeKey = keyIn(bigScopes[0] as string, 'probe');
    let pool: pg.Pool;
    let store: PgVectorStore;

    const explain = async (scope: string, db: pg.Pool = pool) => {
      const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${searchSql(tableNames(table))}`, [
        JSON.stringify(Array.from(probe)),
        scope,
        Date.now(),
        3,
        2,
      ]);
      return indexesUsed(
        (rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]?.Plan as PlanNode,
      );
    };

    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
      pool.on('error', () => {});
      // hnsw is approximate: a wide candidate list makes missing the exact probe vanishingly rare.
      store = new PgVectorStore({ db: pool, dimension, table, hnsw: { efSearch: 400 } });
      // A scope of 2,000 rows (two thirds of the table, where the planner clearly prefers the hnsw
      // index to sorting the scope), two of 500 rows, and one scope of three rows.
      for (const [n, scope] of bigScopes.entries()) {
        await store.upsert(
          Array.from({ length: n === 0 ? 2000 : 500 }, (_, i) => ({
            key: keyIn(scope, `r${i}`),
            scope,
            vector: rng.unit(dimension),
          })),
        );
      }
      await store.upsert([{ key: probeKey, scope: bigScopes[0] as string, vector: probe }]);
      await store.upsert(
        tinyKeys.map((key) => ({ key, scope: tinyScope, vector: rng.unit(dimension) })),
      );
      await pool.query(`ANALYZE ${table}`);
    }, 300_000);

    afterAll(async () => {
      await store?.close();
      await pool?.query(`DROP TABLE IF EXISTS ${table}`);
      await pool?.end();
    });

    it('searches a large scope through the hnsw index (EXPLAIN) and finds the nearest', async () => {
      const used = await explain(bigScopes[0] as string);
      expect(used, `indexes in the plan: ${used.join(', ')}`).toContain(`${table}_embedding_hnsw`);
      const matches = await store.search(probe, {
        scope: bigScopes[0] as string,
        k: 3,
        minSimilarity: 0.5,
      });
      expect(matches[0]?.key, JSON.stringify(matches)).toBe(probeKey);
      expect(matches[0]?.similarity).toBeCloseTo(1, 5);
    }, 60_000);

    it('finds every row of a small scope when the hnsw index serves the filtered search', async () => {
      // The planner picks an exact plan for a scope it knows to be small; a planner misled by
      // stale statistics picks the hnsw index instead, which enable_seqscan=off (with the scope
      // index gone) reproduces.
      const forced = new pg.Pool({
        connectionString: databaseUrl,
        max: 2,
        options: '-c enable_seqscan=off',
      });
      forced.on('error', () => {});
      const iterative = new PgVectorStore({ db: forced, dimension, table });
      const plain = new PgVectorStore({
        db: forced,
        dimension,
        table,
        hnsw: { iterativeScan: 'off' },
      });
      // Set up first: setup would create the scope index again.
      await Promise.all([iterative.init(), plain.init()]);
      await pool.query(`DROP INDEX ${table}_scope`);
      try {
        expect(await explain(tinyScope, forced)).toEqual([`${table}_embedding_hnsw`]);
        const matches = await iterative.search(probe, {
          scope: tinyScope,
          k: 3,
          minSimilarity: -1,
        });
        expect(matches.map((m) => m.key).sort()).toEqual([...tinyKeys].sort());

        // pgvector's default (no iterative scan) filters its 100 candidates after the fact: the
        // three rows of the small scope are almost never among them.
        const lost = await plain.search(probe, { scope: tinyScope, k: 3, minSimilarity: -1 });
        expect(lost.length).toBeLessThan(3);
        // Both stores share the pool's sessions: each brings its own settings back.
        const again = await iterative.search(probe, { scope: tinyScope, k: 3, minSimilarity: -1 });
        expect(again).toHaveLength(3);
      } finally {
        await forced.end();
        await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_scope ON ${table} (scope)`);
      }
    }, 60_000);

    it('works on a single pg Client as well as on a Pool', async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const single = new PgVectorStore({ db: client, dimension, table });
      try {
        const scope = randomScope();
        const v = rng.unit(dimension);
        await single.upsert([{ key: keyIn(scope, 'one'), scope, vector: v }]);
        expect(await single.search(v, { scope, k: 2, minSimilarity: 0.9 })).toEqual([
          { key: keyIn(scope, 'one'), similarity: expect.closeTo(1, 5) },
        ]);
        const { rows } = await client.query('SHOW hnsw.iterative_scan');
        expect(rows[0]['hnsw.iterative_scan']).toBe('strict_order');
        await single.clear(scope);
      } finally {
        await single.close();
        await client.end();
      }
    }, 60_000);

    it('sets up idempotently when several stores start at once on a new table', async () => {
      for (let round = 0; round < 3; round++) {
        const fresh = `cachetest_${randomBytes(5).toString('hex')}`;
        const stores = Array.from(
          { length: 6 },
          () => new PgVectorStore({ db: pool, dimension: 8, table: fresh }),
        );
        try {
          await Promise.all(stores.map((s) => s.init()));
          const { rows } = await pool.query(
            "SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%hnsw%'",
            [fresh],
          );
          expect(rows).toHaveLength(1);
          expect(rows[0].indexdef).toMatch(/vector_cosine_ops/);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
          await pool.query(`DROP TABLE IF EXISTS ${fresh}`);
        }
      }
    }, 120_000);
  },
);
