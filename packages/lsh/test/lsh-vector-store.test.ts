import { TestRandom } from '@cache/conformance';
import { cosineSimilarity, InvalidOptionError, InvalidRequestError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { fwht, hammingLimit, LshVectorStore, popcount32 } from '../src/index.js';

const scope = 'a1b2c3';
const key = (name: string) => `${scope}:${name}`;

function hamming(a: Uint32Array, b: Uint32Array): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) h += popcount32(((a[i] as number) ^ (b[i] as number)) >>> 0);
  return h;
}

describe('options', () => {
  it('rejects an unknown option with InvalidOptionError listing the valid ones', () => {
    expect(() => new LshVectorStore({ dimension: 8, plane: 16 } as never)).toThrow(
      InvalidOptionError,
    );
    expect(() => new LshVectorStore({ dimension: 8, plane: 16 } as never)).toThrow(
      /unknown option "plane".*dimension, seed, planes, tables, probes, adaptiveProbes, poolBits, verify/,
    );
  });

  it.each([
    { dimension: 0 },
    { dimension: 1.5 },
    { dimension: 8, planes: 0 },
    { dimension: 8, planes: 33 },
    { dimension: 8, tables: 0 },
    { dimension: 8, probes: 0 },
    { dimension: 8, probes: 65 },
    { dimension: 8, poolBits: 100 },
    { dimension: 8, poolBits: 32, planes: 33 },
    { dimension: 8, maxEntries: 0 },
    { dimension: 8, verify: 'yes' },
    { dimension: 8, adaptiveProbes: 1 },
    { dimension: 8, hammingSigma: -1 },
    { dimension: 8, seed: 0.5 },
    { dimension: 8, now: 5 },
  ])('rejects %o with InvalidOptionError', (options) => {
    expect(() => new LshVectorStore(options as never)).toThrow(InvalidOptionError);
  });

  it('documents its defaults in settings', () => {
    const store = new LshVectorStore({ dimension: 8 });
    expect(store.settings).toMatchObject({
      planes: 16,
      tables: 32,
      probes: 4,
      adaptiveProbes: true,
      poolBits: 256,
      verify: true,
      hammingSigma: 3,
      seed: 0x5eed1e55,
    });
    expect(store.name).toBe('lsh');
  });
});

describe('hashing', () => {
  it('the Walsh-Hadamard transform applied twice is n times the identity', () => {
    const a = Float64Array.from([1, -2, 3.5, 0, 7, 1, -1, 2]);
    const b = Float64Array.from(a);
    fwht(b, 8);
    fwht(b, 8);
    expect([...b]).toEqual([...a].map((x) => x * 8));
  });

  it('buckets do not depend on the vector length, and lie below 2^planes', () => {
    const rng = new TestRandom(7);
    for (const planes of [8, 16, 24]) {
      const store = new LshVectorStore({ dimension: 64, planes, tables: 10 });
      const v = rng.unit(64);
      const buckets = store.bucketsOf(v);
      expect(buckets).toHaveLength(10);
      for (const b of buckets) {
        expect(Number.isInteger(b) && b >= 0 && b < 2 ** planes).toBe(true);
      }
      expect(store.bucketsOf(Float32Array.from(v, (x) => x * 4))).toEqual(buckets);
    }
  });

  it('sketch Hamming distance tracks the angle (random hyperplane property)', () => {
    const rng = new TestRandom(11);
    const store = new LshVectorStore({ dimension: 512 });
    for (const cosine of [0.95, 0.85, 0.5, 0]) {
      let total = 0;
      const trials = 40;
      for (let i = 0; i < trials; i++) {
        const a = rng.unit(512);
        const b = rng.atCosine(a, cosine);
        total += hamming(store.sketchOf(a), store.sketchOf(b));
      }
      const expected = (256 * Math.acos(cosine)) / Math.PI;
      expect(Math.abs(total / trials - expected)).toBeLessThan(4);
    }
  });

  it('hammingLimit lies above the expected distance and disables itself at Infinity', () => {
    expect(hammingLimit(256, 0.85, 5)).toBeGreaterThan((256 * Math.acos(0.85)) / Math.PI + 20);
    expect(hammingLimit(256, 0.85, Number.POSITIVE_INFINITY)).toBe(256);
    expect(hammingLimit(256, -1, 5)).toBe(256);
  });
});

describe('search behaviour', () => {
  it('finds planted near-duplicates among thousands of vectors (recall ≥ 0.95 at cosine 0.85)', async () => {
    const rng = new TestRandom(3);
    const dim = 128;
    const store = new LshVectorStore({ dimension: dim });
    const queries: Float32Array[] = [];
    const planted: Array<Array<{ key: string; vector: Float32Array }>> = [];
    const records = [];
    for (let q = 0; q < 100; q++) {
      const query = rng.unit(dim);
      queries.push(query);
      const group = [];
      for (let j = 0; j < 1 + (q % 3); j++) {
        const vector = rng.atCosine(query, 0.86 + 0.05 * j);
        group.push({ key: key(`p${q}-${j}`), vector });
        records.push({ key: key(`p${q}-${j}`), scope, vector });
      }
      planted.push(group);
    }
    for (let i = 0; i < 5000; i++)
      records.push({ key: key(`r${i}`), scope, vector: rng.unit(dim) });
    await store.upsert(records);
    let want = 0;
    let got = 0;
    for (let q = 0; q < queries.length; q++) {
      const query = queries[q] as Float32Array;
      const matches = await store.search(query, { scope, k: 5, minSimilarity: 0.85 });
      const keys = new Set(matches.map((m) => m.key));
      for (const p of planted[q] ?? []) {
        want++;
        if (keys.has(p.key)) got++;
      }
      for (const m of matches) {
        const stored = records.find((r) => r.key === m.key)?.vector as Float32Array;
        expect(Math.abs(m.similarity - cosineSimilarity(query, stored))).toBeLessThan(1e-4);
      }
      // The Hamming pre-filter leaves few candidates for the exact check.
      expect(store.lastSearch.verified).toBeLessThan(50);
    }
    expect(got / want).toBeGreaterThanOrEqual(0.95);
  });

  it('verify: false counts any bucket collision as a match and reports the sketch estimate', async () => {
    const rng = new TestRandom(5);
    const dim = 64;
    const loose = new LshVectorStore({
      dimension: dim,
      planes: 4,
      tables: 8,
      probes: 1,
      verify: false,
    });
    const strict = new LshVectorStore({ dimension: dim, planes: 4, tables: 8, probes: 1 });
    const query = rng.unit(dim);
    const records = Array.from({ length: 200 }, (_, i) => ({
      key: key(`v${i}`),
      scope,
      vector: rng.unit(dim),
    }));
    await loose.upsert(records);
    await strict.upsert(records);
    const bucketOnly = await loose.search(query, { scope, k: 200, minSimilarity: 0.9 });
    const verified = await strict.search(query, { scope, k: 200, minSimilarity: 0.9 });
    expect(verified).toEqual([]);
    expect(bucketOnly.length).toBeGreaterThan(0);
    const qs = loose.sketchOf(query);
    for (const m of bucketOnly) {
      const v = records.find((r) => r.key === m.key)?.vector as Float32Array;
      const h = hamming(qs, loose.sketchOf(v));
      expect(m.similarity).toBeCloseTo(Math.cos((Math.PI * h) / 256), 10);
      // Each match really shares a bucket with the query in some table.
      const qb = loose.bucketsOf(query);
      const vb = loose.bucketsOf(v);
      expect(qb.some((b, t) => b === vb[t])).toBe(true);
    }
  });

  it('evicts the least recently used record beyond maxEntries; a search hit counts as a use', async () => {
    const rng = new TestRandom(9);
    const store = new LshVectorStore({ dimension: 16, maxEntries: 3, initialCapacity: 1 });
    const vs = Array.from({ length: 4 }, () => rng.unit(16));
    await store.upsert(vs.slice(0, 3).map((vector, i) => ({ key: key(`e${i}`), scope, vector })));
    expect(store.size).toBe(3);
    // Touch e0, so e1 is now the least recently used.
    expect(
      (await store.search(vs[0] as Float32Array, { scope, k: 1, minSimilarity: 0.99 }))[0]?.key,
    ).toBe(key('e0'));
    await store.upsert([{ key: key('e3'), scope, vector: vs[3] as Float32Array }]);
    expect(store.size).toBe(3);
    const present = async (i: number) =>
      (await store.search(vs[i] as Float32Array, { scope, k: 1, minSimilarity: 0.99 })).length ===
      1;
    expect(await present(1)).toBe(false);
    expect(await present(0)).toBe(true);
    expect(await present(2)).toBe(true);
    expect(await present(3)).toBe(true);
  });

  it('drops expired records from results and purges them when met', async () => {
    let now = 1_000_000;
    const store = new LshVectorStore({ dimension: 16, now: () => now });
    const v = new TestRandom(1).unit(16);
    await store.upsert([
      { key: key('soon'), scope, vector: v, expiresAt: now + 100 },
      { key: key('later'), scope, vector: v, expiresAt: now + 10_000 },
    ]);
    expect((await store.search(v, { scope, k: 5, minSimilarity: 0.9 })).length).toBe(2);
    now += 101;
    expect((await store.search(v, { scope, k: 5, minSimilarity: 0.9 })).map((m) => m.key)).toEqual([
      key('later'),
    ]);
    expect(store.size).toBe(1);
  });

  it('grows past its initial capacity and reuses freed slots', async () => {
    const rng = new TestRandom(2);
    const store = new LshVectorStore({ dimension: 8, initialCapacity: 2 });
    const records = Array.from({ length: 50 }, (_, i) => ({
      key: key(`g${i}`),
      scope,
      vector: rng.unit(8),
    }));
    await store.upsert(records);
    expect(store.memory().capacity).toBeGreaterThanOrEqual(50);
    await store.delete(records.slice(0, 25).map((r) => r.key));
    const capacity = store.memory().capacity;
    await store.upsert(records.slice(0, 25));
    expect(store.memory().capacity).toBe(capacity);
    for (const r of records) {
      const [m] = await store.search(r.vector, { scope, k: 1, minSimilarity: 0.999 });
      expect(m?.key).toBe(r.key);
    }
  });

  it('probes exactly `probes` buckets per table, from a hashed head table above 16 planes', async () => {
    const rng = new TestRandom(8);
    for (const planes of [16, 20, 32]) {
      const store = new LshVectorStore({ dimension: 64, planes, tables: 6, probes: 9 });
      const records = Array.from({ length: 300 }, (_, i) => ({
        key: key(`h${i}`),
        scope,
        vector: rng.unit(64),
      }));
      await store.upsert(records);
      await store.delete(records.slice(0, 100).map((r) => r.key));
      for (const r of records.slice(100, 130)) {
        const same = Float32Array.from(r.vector, (x) => x * 2);
        const [m] = await store.search(same, { scope, k: 1, minSimilarity: 0.9 });
        expect(m?.key).toBe(r.key);
        expect(store.lastSearch.buckets).toBe(6 * 9);
      }
      for (const r of records.slice(0, 10)) {
        expect(await store.search(r.vector, { scope, k: 1, minSimilarity: 0.9 })).toEqual([]);
      }
    }
  });

  it('probes more buckets below cosine 0.85 unless adaptiveProbes is off', async () => {
    const v = new TestRandom(12).unit(32);
    const adaptive = new LshVectorStore({ dimension: 32, tables: 4 });
    const fixed = new LshVectorStore({ dimension: 32, tables: 4, adaptiveProbes: false });
    for (const store of [adaptive, fixed])
      await store.upsert([{ key: key('x'), scope, vector: v }]);
    const probesAt = async (store: LshVectorStore, minSimilarity: number) => {
      await store.search(v, { scope, k: 1, minSimilarity });
      return store.lastSearch.probes;
    };
    expect(await probesAt(adaptive, 0.9)).toBe(4);
    expect(await probesAt(adaptive, 0.85)).toBe(4);
    expect(await probesAt(adaptive, 0.75)).toBeGreaterThanOrEqual(16);
    expect(await probesAt(adaptive, 0.75)).toBeLessThan(await probesAt(adaptive, 0.6));
    expect(await probesAt(adaptive, -1)).toBe(64);
    expect(await probesAt(fixed, 0.5)).toBe(4);
    expect(fixed.lastSearch.buckets).toBe(16);
  });

  it('accepts a huge k without sizing anything by it', async () => {
    const store = new LshVectorStore({ dimension: 8 });
    const v = new TestRandom(6).unit(8);
    await store.upsert([{ key: key('only'), scope, vector: v }]);
    const matches = await store.search(v, {
      scope,
      k: Number.MAX_SAFE_INTEGER,
      minSimilarity: 0.5,
    });
    expect(matches.map((m) => m.key)).toEqual([key('only')]);
  });

  it('rejects malformed records with InvalidRequestError and writes nothing', async () => {
    const store = new LshVectorStore({ dimension: 4 });
    const v = Float32Array.from([1, 0, 0, 0]);
    for (const bad of [
      { key: '', scope, vector: v },
      { key: key('x'), scope: '', vector: v },
      { key: key('x'), scope, vector: v, expiresAt: Number.NaN },
      { key: 42, scope, vector: v },
    ]) {
      await expect(
        store.upsert([{ key: key('ok'), scope, vector: v }, bad as never]),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    }
    expect(store.size).toBe(0);
  });

  it('reports memory per entry: 3 bytes per dimension plus the index, heads sized by use', async () => {
    const rng = new TestRandom(4);
    const store = new LshVectorStore({ dimension: 512, initialCapacity: 1000 });
    await store.upsert(
      Array.from({ length: 1000 }, (_, i) => ({ key: key(`m${i}`), scope, vector: rng.unit(512) })),
    );
    const m = store.memory();
    expect(m.entries).toBe(1000);
    expect(m.vectorBytes).toBe(1000 * (512 * 3 + 8));
    expect(m.bytesPerEntry).toBeGreaterThan(512 * 3);
    // 32 tables of 2^16 direct heads would be 8 MiB; 1,000 records use a few hash buckets each.
    expect(m.headBytes).toBeGreaterThan(0);
    expect(m.headBytes).toBeLessThan(32 * 4 * 2 ** 16);
    expect(m.headBytes).toBeLessThanOrEqual(32 * 8 * 4096);
    expect(m.indexBytes).toBeGreaterThan(m.headBytes);
    expect(m.totalBytes).toBe(m.vectorBytes + m.indexBytes + m.keyBytes);
    expect(m.maxBytes).toBe(Number.POSITIVE_INFINITY);
  });

  it('scores match the float64 cosine within 1e-6 although vectors are stored as codes', async () => {
    const rng = new TestRandom(31);
    for (const dim of [7, 64, 384]) {
      const store = new LshVectorStore({ dimension: dim, hammingSigma: Number.POSITIVE_INFINITY });
      const query = rng.unit(dim);
      const vectors = Array.from({ length: 40 }, (_, i) => rng.atCosine(query, 0.5 + i / 100));
      await store.upsert(vectors.map((vector, i) => ({ key: key(`p${i}`), scope, vector })));
      const found = await store.search(query, { scope, k: 40, minSimilarity: 0.45 });
      expect(found.length).toBeGreaterThan(30);
      for (const match of found) {
        const i = Number(match.key.slice(match.key.indexOf(':') + 2));
        const exact = cosineSimilarity(query, vectors[i] as Float32Array);
        expect(Math.abs(match.similarity - exact), `dim ${dim} ${match.key}`).toBeLessThan(1e-6);
      }
    }
  });

  it('moves a table to direct heads once that is no bigger, with the same results', async () => {
    const rng = new TestRandom(13);
    const options = { dimension: 32, planes: 8, tables: 4 };
    const store = new LshVectorStore(options);
    const vectors = Array.from({ length: 2000 }, () => rng.unit(32));
    const records = vectors.map((vector, i) => ({ key: key(`h${i}`), scope, vector }));
    await store.upsert(records.slice(0, 10));
    expect(store.memory().headBytes).toBeLessThan(4 * 4 * 256);
    await store.upsert(records.slice(10));
    // 256 buckets per table, all in use: four direct arrays of 256 heads.
    expect(store.memory().headBytes).toBe(4 * 4 * 256);
    for (const r of records.slice(0, 200)) {
      const [m] = await store.search(r.vector, { scope, k: 1, minSimilarity: 0.999 });
      expect(m?.key).toBe(r.key);
    }
    await store.delete(records.slice(0, 1000).map((r) => r.key));
    for (let i = 990; i < 1010; i++) {
      const r = records[i] as (typeof records)[number];
      const found = await store.search(r.vector, { scope, k: 1, minSimilarity: 0.999 });
      expect(found.map((m) => m.key)).toEqual(i < 1000 ? [] : [r.key]);
    }
  });

  it('grows its arrays by a quarter, not by doubling', async () => {
    const rng = new TestRandom(14);
    const store = new LshVectorStore({ dimension: 8, initialCapacity: 1024 });
    const capacities = new Set<number>();
    for (let i = 0; i < 6000; i += 100) {
      await store.upsert(
        Array.from({ length: 100 }, (_, j) => ({
          key: key(`c${i + j}`),
          scope,
          vector: rng.unit(8),
        })),
      );
      capacities.add(store.memory().capacity);
    }
    const sorted = [...capacities].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i] as number).toBeLessThanOrEqual(
        Math.ceil((sorted[i - 1] as number) * 1.25) + 256,
      );
    }
    expect(store.memory().capacity).toBeLessThan(6000 * 1.25 + 256);
  });
});

describe('byte budget', () => {
  it('rejects a budget that is not a positive number, or below twice the empty store', () => {
    for (const maxBytes of [0, -1, Number.NaN, '1e6']) {
      expect(() => new LshVectorStore({ dimension: 8, maxBytes: maxBytes as number })).toThrow(
        InvalidOptionError,
      );
    }
    expect(() => new LshVectorStore({ dimension: 384, maxBytes: 100_000 })).toThrow(
      /leaves no room for records.*lower initialCapacity/,
    );
  });

  it('stays under maxBytes through many inserts, evicting the least recently used', async () => {
    const rng = new TestRandom(15);
    const maxBytes = 3_000_000;
    const store = new LshVectorStore({ dimension: 64, maxBytes, initialCapacity: 64 });
    const vectors: Float32Array[] = [];
    let peak = 0;
    for (let i = 0; i < 12_000; i += 200) {
      const batch = Array.from({ length: 200 }, (_, j) => {
        const vector = rng.unit(64);
        vectors.push(vector);
        // Keys of varied length, up to 1,000 characters.
        return { key: key(`k${i + j}:${'x'.repeat((i + j) % 1000)}`), scope, vector };
      });
      await store.upsert(batch);
      const m = store.memory();
      peak = Math.max(peak, m.totalBytes);
      expect(m.totalBytes).toBeLessThanOrEqual(maxBytes);
    }
    // The budget is used, not left mostly empty, and bounded the count well below 12,000.
    expect(peak).toBeGreaterThan(maxBytes * 0.8);
    expect(store.size).toBeGreaterThan(500);
    expect(store.size).toBeLessThan(12_000);
    // The newest records are there, the oldest are gone.
    const newest = vectors.length - 1;
    const hit = await store.search(vectors[newest] as Float32Array, {
      scope,
      k: 1,
      minSimilarity: 0.999,
    });
    expect(hit).toHaveLength(1);
    const gone = await store.search(vectors[0] as Float32Array, {
      scope,
      k: 1,
      minSimilarity: 0.999,
    });
    expect(gone).toEqual([]);
  });

  it('a search hit protects a record from byte-budget eviction', async () => {
    const rng = new TestRandom(16);
    const store = new LshVectorStore({ dimension: 16, maxBytes: 400_000, initialCapacity: 16 });
    const first = rng.unit(16);
    await store.upsert([{ key: key('first'), scope, vector: first }]);
    for (let i = 0; i < 3000; i++) {
      await store.upsert([{ key: key(`f${i}`), scope, vector: rng.unit(16) }]);
      // Used after every insert: always the most recently used.
      expect(await store.search(first, { scope, k: 1, minSimilarity: 0.999 })).toHaveLength(1);
    }
    expect(store.size).toBeLessThan(3001);
    expect(store.memory().totalBytes).toBeLessThanOrEqual(400_000);
  });

  it('clear gives the memory back', async () => {
    const rng = new TestRandom(17);
    const store = new LshVectorStore({ dimension: 32 });
    const empty = store.memory().totalBytes;
    await store.upsert(
      Array.from({ length: 5000 }, (_, i) => ({ key: key(`z${i}`), scope, vector: rng.unit(32) })),
    );
    expect(store.memory().totalBytes).toBeGreaterThan(empty * 3);
    await store.clear();
    expect(store.memory().totalBytes).toBe(empty);
  });
});
