import {
  CacheError,
  ClosedError,
  cosineSimilarity,
  DimensionMismatchError,
  InvalidVectorError,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
} from '@cache/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { VectorStoreSuiteOptions } from './options.js';
import { DEFAULT_TIMEOUT_MS, suiteFrame } from './suite-frame.js';
import { keyIn, randomScope, scaled, TestRandom } from './test-data.js';

/**
 * Declares the vector-store conformance suite: top-k order, `minSimilarity` as cosine
 * similarity, scores equal to a brute-force reference (core's `cosineSimilarity`) within
 * `scoreTolerance`, scope isolation, expiry, upsert overwrites, delete and clear (by scope and
 * all), typed errors for a wrong dimension and NaN/Infinity/zero vectors with nothing of the
 * batch written, concurrent upserts with nothing lost, and close. `factory` is called before
 * every test with the dimension for a fresh store, which is closed after it; its "all" (for
 * `clear()`) must be private to that store (its own table or collection).
 */
export function vectorStoreSuite(
  name: string,
  factory: (opts: { dimension: number }) => VectorStore | Promise<VectorStore>,
  options: VectorStoreSuiteOptions = {},
): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dimension = options.dimension ?? 32;
  const tolerance = options.scoreTolerance ?? 1e-4;
  const concurrent = options.concurrentUpserts ?? 1000;
  const approximate = options.approximate !== undefined && options.approximate !== false;
  const minRecall =
    typeof options.approximate === 'object' ? (options.approximate.minRecall ?? 0.9) : 1;
  const seed = options.seed ?? 0x5eed;

  suiteFrame(`vector store conformance: ${name}`, options, () => {
    let store: VectorStore;
    let scope: string;
    let rng: TestRandom;

    beforeEach(async (context) => {
      store = await factory({ dimension });
      scope = randomScope();
      rng = new TestRandom(seed ^ hashString(context.task.name));
    }, timeout);

    afterEach(async () => {
      await store?.close();
    }, timeout);

    /** Scores must match the reference, results must be sorted, above the threshold and live. */
    function expectWellFormed(
      matches: VectorMatch[],
      query: Float32Array,
      byKey: Map<string, Float32Array>,
      minSimilarity: number,
      k: number,
    ): void {
      expect(matches.length).toBeLessThanOrEqual(k);
      const seen = new Set<string>();
      let previous = Number.POSITIVE_INFINITY;
      for (const match of matches) {
        expect(seen.has(match.key), `key ${match.key} returned twice`).toBe(false);
        seen.add(match.key);
        const stored = byKey.get(match.key);
        expect(stored, `unexpected key ${match.key}`).toBeDefined();
        const reference = cosineSimilarity(query, stored as Float32Array);
        expect(Math.abs(match.similarity - reference)).toBeLessThanOrEqual(tolerance);
        expect(match.similarity).toBeGreaterThanOrEqual(minSimilarity - tolerance);
        expect(match.similarity).toBeLessThanOrEqual(previous + tolerance);
        previous = match.similarity;
      }
    }

    /** The brute-force answer: keys of `byKey` at least `minSimilarity` similar, best first. */
    function reference(
      query: Float32Array,
      byKey: Map<string, Float32Array>,
      minSimilarity: number,
      k: number,
    ): Array<{ key: string; similarity: number }> {
      return [...byKey]
        .map(([key, v]) => ({ key, similarity: cosineSimilarity(query, v) }))
        .filter((m) => m.similarity >= minSimilarity)
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, k);
    }

    /** Exact stores return the reference (up to ties); approximate ones at least `minRecall` of it. */
    function expectMatchesReference(
      matches: VectorMatch[],
      expected: Array<{ key: string; similarity: number }>,
    ): void {
      if (!approximate) {
        expect(matches.length).toBe(expected.length);
        matches.forEach((m, i) => {
          expect(
            Math.abs(m.similarity - (expected[i]?.similarity ?? Number.NaN)),
          ).toBeLessThanOrEqual(tolerance);
        });
        return;
      }
      const got = new Set(matches.map((m) => m.key));
      const found = expected.filter((m) => got.has(m.key)).length;
      expect(found).toBeGreaterThanOrEqual(Math.ceil(expected.length * minRecall));
    }

    function record(key: string, vector: Float32Array, expiresAt?: number): VectorRecord {
      return expiresAt === undefined ? { key, scope, vector } : { key, scope, vector, expiresAt };
    }

    it('reports its name and dimension', () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
      expect(store.dimension).toBe(dimension);
    });

    it(
      'returns nothing from an empty scope',
      async () => {
        const matches = await store.search(rng.unit(dimension), { scope, k: 5, minSimilarity: -1 });
        expect(matches).toEqual([]);
      },
      timeout,
    );

    it(
      'finds a stored vector with similarity 1',
      async () => {
        const v = rng.unit(dimension);
        const key = keyIn(scope);
        await store.upsert([record(key, v)]);
        const matches = await store.search(v, { scope, k: 3, minSimilarity: 0.99 });
        expect(matches.map((m) => m.key)).toEqual([key]);
        expect(matches[0]?.similarity).toBeCloseTo(1, 4);
      },
      timeout,
    );

    it(
      'returns the top k best first, like a brute-force scan',
      async () => {
        const query = rng.unit(dimension);
        const byKey = new Map<string, Float32Array>();
        const cosines = [0.99, 0.97, 0.95, 0.93, 0.91, 0.89, 0.87, 0.85];
        cosines.forEach((c, i) => byKey.set(keyIn(scope, `near${i}`), rng.atCosine(query, c)));
        for (let i = 0; i < 40; i++) byKey.set(keyIn(scope, `far${i}`), rng.unit(dimension));
        await store.upsert([...byKey].map(([key, v]) => record(key, v)));
        for (const k of [1, 3, 5]) {
          const matches = await store.search(query, { scope, k, minSimilarity: 0.8 });
          expectWellFormed(matches, query, byKey, 0.8, k);
          expectMatchesReference(matches, reference(query, byKey, 0.8, k));
          if (!approximate) {
            expect(matches.map((m) => m.key)).toEqual(
              cosines.slice(0, k).map((_, i) => keyIn(scope, `near${i}`)),
            );
          }
        }
      },
      timeout,
    );

    it(
      'treats minSimilarity as cosine similarity, whatever the vectors length',
      async () => {
        const query = rng.unit(dimension);
        const byKey = new Map<string, Float32Array>();
        const cosines = [0.97, 0.9, 0.81, 0.79, 0.6, 0.2, -0.5];
        const factors = [3.5, 0.01, 120, 1, 0.5, 7, 2];
        cosines.forEach((c, i) =>
          byKey.set(keyIn(scope, `c${i}`), scaled(rng.atCosine(query, c), factors[i] as number)),
        );
        await store.upsert([...byKey].map(([key, v]) => record(key, v)));
        const scaledQuery = scaled(query, 42);
        const matches = await store.search(scaledQuery, { scope, k: 10, minSimilarity: 0.8 });
        expectWellFormed(matches, query, byKey, 0.8, 10);
        const keys = matches.map((m) => m.key);
        expect(keys).not.toContain(keyIn(scope, 'c3'));
        expect(keys).toContain(keyIn(scope, 'c0'));
        if (!approximate) {
          expect(keys).toEqual([keyIn(scope, 'c0'), keyIn(scope, 'c1'), keyIn(scope, 'c2')]);
          const all = await store.search(query, { scope, k: 10, minSimilarity: -1 });
          expect(all.map((m) => m.key)).toEqual(cosines.map((_, i) => keyIn(scope, `c${i}`)));
          expect(all[6]?.similarity).toBeCloseTo(-0.5, 3);
        }
      },
      timeout,
    );

    it(
      'scores within the tolerance of the brute-force reference',
      async () => {
        const byKey = new Map<string, Float32Array>();
        const queries: Float32Array[] = [];
        for (let q = 0; q < 10; q++) {
          const query = rng.unit(dimension);
          queries.push(query);
          for (let j = 0; j < 3; j++) {
            byKey.set(
              keyIn(scope, `q${q}n${j}`),
              scaled(rng.atCosine(query, 0.86 + 0.04 * j), 1 + q),
            );
          }
        }
        for (let i = 0; i < 200; i++) byKey.set(keyIn(scope, `r${i}`), rng.unit(dimension));
        await store.upsert([...byKey].map(([key, v]) => record(key, v)));
        for (const query of queries) {
          const matches = await store.search(query, { scope, k: 5, minSimilarity: 0.85 });
          expectWellFormed(matches, query, byKey, 0.85, 5);
          expectMatchesReference(matches, reference(query, byKey, 0.85, 5));
        }
      },
      timeout,
    );

    it(
      'never returns records of another scope',
      async () => {
        const otherScope = randomScope();
        const v = rng.unit(dimension);
        const mine = keyIn(scope, 'same');
        const theirs = keyIn(otherScope, 'same');
        await store.upsert([record(mine, v), { key: theirs, scope: otherScope, vector: v }]);
        expect(
          (await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).map((m) => m.key),
        ).toEqual([mine]);
        expect(
          (await store.search(v, { scope: otherScope, k: 5, minSimilarity: 0.5 })).map(
            (m) => m.key,
          ),
        ).toEqual([theirs]);
        expect(await store.search(v, { scope: randomScope(), k: 5, minSimilarity: -1 })).toEqual(
          [],
        );
      },
      timeout,
    );

    it(
      'does not return expired records',
      async () => {
        const query = rng.unit(dimension);
        const now = Date.now();
        const expired = keyIn(scope, 'expired');
        const live = keyIn(scope, 'live');
        const forever = keyIn(scope, 'forever');
        await store.upsert([
          record(expired, rng.atCosine(query, 0.99), now - 1000),
          record(live, rng.atCosine(query, 0.95), now + 3_600_000),
          record(forever, rng.atCosine(query, 0.93)),
        ]);
        const keys = (await store.search(query, { scope, k: 5, minSimilarity: 0.9 })).map(
          (m) => m.key,
        );
        expect(keys).not.toContain(expired);
        if (!approximate) expect(keys).toEqual([live, forever]);
        else expect(keys).toContain(live);
      },
      timeout,
    );

    it(
      'overwrites a record on upsert of the same key',
      async () => {
        const a = rng.unit(dimension);
        const b = rng.unit(dimension);
        const key = keyIn(scope);
        await store.upsert([record(key, a)]);
        await store.upsert([record(key, b)]);
        const byB = await store.search(b, { scope, k: 5, minSimilarity: 0.5 });
        expect(byB.map((m) => m.key)).toEqual([key]);
        expect(byB[0]?.similarity).toBeCloseTo(1, 4);
        const byA = await store.search(a, { scope, k: 5, minSimilarity: 0.99 });
        expect(byA).toEqual([]);
        const expiredNow = Date.now() - 1;
        await store.upsert([record(key, b, expiredNow)]);
        expect(await store.search(b, { scope, k: 5, minSimilarity: 0.5 })).toEqual([]);
      },
      timeout,
    );

    it(
      'keeps the last of several records with one key in a batch',
      async () => {
        const a = rng.unit(dimension);
        const b = rng.unit(dimension);
        const key = keyIn(scope);
        await store.upsert([record(key, a), record(key, b)]);
        const byB = await store.search(b, { scope, k: 5, minSimilarity: 0.5 });
        expect(byB.map((m) => m.key)).toEqual([key]);
        expect(await store.search(a, { scope, k: 5, minSimilarity: 0.99 })).toEqual([]);
      },
      timeout,
    );

    it(
      'delete removes the given keys and ignores unknown ones',
      async () => {
        const query = rng.unit(dimension);
        const gone = keyIn(scope, 'gone');
        const kept = keyIn(scope, 'kept');
        await store.upsert([
          record(gone, rng.atCosine(query, 0.98)),
          record(kept, rng.atCosine(query, 0.96)),
        ]);
        await store.delete([gone, keyIn(scope, 'unknown'), keyIn(randomScope(), 'unknown')]);
        await store.delete([]);
        const keys = (await store.search(query, { scope, k: 5, minSimilarity: 0.9 })).map(
          (m) => m.key,
        );
        expect(keys).toEqual([kept]);
      },
      timeout,
    );

    it(
      'clear(scope) removes that scope only; clear() removes everything',
      async () => {
        const otherScope = randomScope();
        const v = rng.unit(dimension);
        const mine = keyIn(scope);
        const theirs = keyIn(otherScope);
        await store.upsert([record(mine, v), { key: theirs, scope: otherScope, vector: v }]);
        await store.clear(scope);
        expect(await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).toEqual([]);
        expect(
          (await store.search(v, { scope: otherScope, k: 5, minSimilarity: 0.5 })).map(
            (m) => m.key,
          ),
        ).toEqual([theirs]);
        await store.upsert([record(mine, v)]);
        await store.clear();
        expect(await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).toEqual([]);
        expect(await store.search(v, { scope: otherScope, k: 5, minSimilarity: 0.5 })).toEqual([]);
        await store.upsert([record(mine, v)]);
        expect(
          (await store.search(v, { scope, k: 5, minSimilarity: 0.5 })).map((m) => m.key),
        ).toEqual([mine]);
      },
      timeout,
    );

    it(
      'rejects a wrong dimension with DimensionMismatchError and writes nothing of the batch',
      async () => {
        const v = rng.unit(dimension);
        const good = keyIn(scope, 'good');
        for (const wrong of [dimension - 1, dimension + 1]) {
          const bad = new Float32Array(wrong).fill(0.5);
          await expect(
            store.upsert([record(good, v), record(keyIn(scope, 'bad'), bad)]),
          ).rejects.toBeInstanceOf(DimensionMismatchError);
          await expect(store.search(bad, { scope, k: 1, minSimilarity: 0 })).rejects.toBeInstanceOf(
            DimensionMismatchError,
          );
        }
        expect(await store.search(v, { scope, k: 5, minSimilarity: -1 })).toEqual([]);
      },
      timeout,
    );

    it(
      'rejects NaN, Infinity and zero vectors with InvalidVectorError and writes nothing of the batch',
      async () => {
        const v = rng.unit(dimension);
        const good = keyIn(scope, 'good');
        const bads = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map((x) => {
          const bad = rng.unit(dimension);
          bad[dimension - 1] = x;
          return bad;
        });
        bads.push(new Float32Array(dimension));
        for (const bad of bads) {
          await expect(
            store.upsert([record(good, v), record(keyIn(scope, 'bad'), bad)]),
          ).rejects.toBeInstanceOf(InvalidVectorError);
          await expect(store.search(bad, { scope, k: 1, minSimilarity: 0 })).rejects.toBeInstanceOf(
            InvalidVectorError,
          );
        }
        expect(await store.search(v, { scope, k: 5, minSimilarity: -1 })).toEqual([]);
      },
      timeout,
    );

    it(
      'rejects search options out of range with a CacheError',
      async () => {
        const v = rng.unit(dimension);
        await store.upsert([record(keyIn(scope), v)]);
        for (const bad of [
          { k: 0, minSimilarity: 0.5 },
          { k: -1, minSimilarity: 0.5 },
          { k: 1.5, minSimilarity: 0.5 },
          { k: 3, minSimilarity: Number.NaN },
          { k: 3, minSimilarity: 1.5 },
          { k: 3, minSimilarity: -2 },
        ]) {
          await expect(store.search(v, { scope, ...bad })).rejects.toBeInstanceOf(CacheError);
        }
      },
      timeout,
    );

    it(
      `loses nothing of ${concurrent} concurrent upserts`,
      async () => {
        const byKey = new Map<string, Float32Array>();
        for (let i = 0; i < concurrent; i++) byKey.set(keyIn(scope, `u${i}`), rng.unit(dimension));
        await Promise.all([...byKey].map(([key, v]) => store.upsert([record(key, v)])));
        const entries = [...byKey];
        for (let start = 0; start < entries.length; start += 50) {
          const results = await Promise.all(
            entries
              .slice(start, start + 50)
              .map(([, v]) => store.search(v, { scope, k: 1, minSimilarity: 0.999 })),
          );
          results.forEach((matches, i) => {
            expect(matches.map((m) => m.key)).toEqual([entries[start + i]?.[0]]);
          });
        }
      },
      timeout * 3,
    );

    it(
      'rejects every call after close with ClosedError, and closes twice safely',
      async () => {
        const v = rng.unit(dimension);
        const key = keyIn(scope);
        await store.upsert([record(key, v)]);
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.upsert([record(key, v)])).rejects.toBeInstanceOf(ClosedError);
        await expect(store.search(v, { scope, k: 1, minSimilarity: 0 })).rejects.toBeInstanceOf(
          ClosedError,
        );
        await expect(store.delete([key])).rejects.toBeInstanceOf(ClosedError);
        await expect(store.clear(scope)).rejects.toBeInstanceOf(ClosedError);
        await expect(store.clear()).rejects.toBeInstanceOf(ClosedError);
      },
      timeout,
    );
  });
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
