import { randomBytes } from 'node:crypto';
import {
  ClosedError,
  cosineSimilarity,
  DimensionMismatchError,
  InvalidOptionError,
  InvalidRequestError,
  InvalidVectorError,
  StoreUnavailableError,
  type VectorRecord,
} from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointIdOf, QdrantVectorStore, type QdrantVectorStoreOptions } from '../src/index.js';
import { targets } from './targets.js';

const DIM = 8;

function vec(...values: number[]): Float32Array {
  const v = new Float32Array(DIM);
  values.forEach((x, i) => {
    v[i] = x;
  });
  return v;
}

function scope(): string {
  return randomBytes(8).toString('hex');
}

function rec(s: string, name: string, vector: Float32Array, expiresAt?: number): VectorRecord {
  return {
    key: `${s}:${name}`,
    scope: s,
    vector,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

for (const target of targets()) {
  describe(`QdrantVectorStore against the ${target.name} server`, () => {
    const open: QdrantVectorStore[] = [];
    const make = (options: Partial<QdrantVectorStoreOptions> = {}) => {
      const store = new QdrantVectorStore({
        url: target.url(),
        apiKey: process.env.QDRANT_API_KEY,
        dimension: DIM,
        collection: options.collection ?? target.collection(),
        ...options,
      });
      open.push(store);
      return store;
    };

    beforeAll(() => target.start());
    afterAll(async () => {
      for (const store of open) await store.close();
      await target.stop();
    });

    it('creates the collection (cosine, dimension) and the payload indexes once', async () => {
      const collection = target.collection();
      const a = make({ collection });
      const b = make({ collection });
      await Promise.all([a.ensureCollection(), b.ensureCollection()]);
      await a.ensureCollection();
      const info = await target.client().getCollection(collection);
      expect(info.config.params.vectors).toMatchObject({ size: DIM, distance: 'Cosine' });
      expect(Object.keys(info.payload_schema ?? {}).sort()).toEqual(['expiresAt', 'scope']);
      expect(info.payload_schema?.scope?.data_type).toBe('keyword');
    });

    it('refuses an existing collection of another dimension with DimensionMismatchError', async () => {
      const collection = target.collection();
      await make({ collection }).ensureCollection();
      const other = make({ collection, dimension: DIM + 1 });
      const error = await other.ensureCollection().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DimensionMismatchError);
      expect(error).toMatchObject({ expected: DIM, actual: DIM + 1 });
    });

    it('returns cosine similarity, best first, filtered by scope and minSimilarity', async () => {
      const store = make();
      const s = scope();
      const t = scope();
      const q = vec(1, 0.2, 0.1);
      const near = vec(1, 0.25, 0.1);
      const mid = vec(1, 1, 0);
      const far = vec(-1, 0, 0.5);
      await store.upsert([
        rec(s, 'near', near),
        rec(s, 'mid', mid),
        rec(s, 'far', far),
        rec(t, 'near', near),
      ]);
      const all = await store.search(q, { scope: s, k: 10, minSimilarity: -1 });
      expect(all.map((m) => m.key)).toEqual([`${s}:near`, `${s}:mid`, `${s}:far`]);
      expect(all[0]?.similarity).toBeCloseTo(cosineSimilarity(q, near), 6);
      expect(all[1]?.similarity).toBeCloseTo(cosineSimilarity(q, mid), 6);
      expect(all[2]?.similarity).toBeCloseTo(cosineSimilarity(q, far), 6);
      expect(all[2]?.similarity).toBeLessThan(0);
      const above = await store.search(q, {
        scope: s,
        k: 10,
        minSimilarity: cosineSimilarity(q, mid) - 1e-6,
      });
      expect(above.map((m) => m.key)).toEqual([`${s}:near`, `${s}:mid`]);
      const top = await store.search(q, { scope: s, k: 1, minSimilarity: 0 });
      expect(top.map((m) => m.key)).toEqual([`${s}:near`]);
      const elsewhere = await store.search(q, { scope: scope(), k: 10, minSimilarity: -1 });
      expect(elsewhere).toEqual([]);
    });

    it('recomputes scores in double precision from the stored vectors (exactScores)', async () => {
      const store = make();
      const loose = make({ collection: store.collection, exactScores: false });
      const s = scope();
      const v = vec(0.3, 0.1, 0.7, 0.2);
      const q = vec(0.31, 0.1, 0.69, 0.2);
      await store.upsert([rec(s, 'a', v)]);
      const exact = cosineSimilarity(q, v);
      const [m] = await store.search(q, { scope: s, k: 1, minSimilarity: exact - 1e-6 });
      expect(Math.abs((m?.similarity ?? 0) - exact)).toBeLessThan(1e-7);
      const [approx] = await loose.search(q, { scope: s, k: 1, minSimilarity: 0 });
      expect(approx?.similarity).toBeCloseTo(exact, 5);
    });

    it('replaces a record upserted twice under one key', async () => {
      const store = make();
      const s = scope();
      await store.upsert([rec(s, 'x', vec(1))]);
      await store.upsert([rec(s, 'x', vec(0, 1))]);
      const found = await store.search(vec(0, 1), { scope: s, k: 10, minSimilarity: -1 });
      expect(found).toHaveLength(1);
      expect(found[0]?.similarity).toBeCloseTo(1, 6);
    });

    it('never returns an expired record and purges expired ones', async () => {
      let now = 1_000_000;
      const store = make({ now: () => now, purgeIntervalMs: 0 });
      const s = scope();
      await store.upsert([rec(s, 'short', vec(1), now + 1000), rec(s, 'forever', vec(1, 0.1))]);
      const keys = async () =>
        (await store.search(vec(1), { scope: s, k: 10, minSimilarity: 0 }))
          .map((m) => m.key)
          .sort();
      expect(await keys()).toEqual([`${s}:forever`, `${s}:short`]);
      now += 1000;
      expect(await keys()).toEqual([`${s}:forever`]);
      await store.purgeExpired();
      now -= 1000;
      expect(await keys()).toEqual([`${s}:forever`]);
      expect(store.stats().purges).toBe(1);
    });

    it('purges in the background after an upsert, at most once per interval', async () => {
      let now = 5_000_000;
      const store = make({ now: () => now, purgeIntervalMs: 60_000 });
      const s = scope();
      await store.upsert([rec(s, 'old', vec(1), now + 10)]);
      await store.whenIdle();
      expect(store.stats().purges).toBe(1);
      now += 60_000;
      await store.upsert([rec(s, 'new', vec(1, 1))]);
      await store.whenIdle();
      now += 1;
      await store.upsert([rec(s, 'newer', vec(1, 2))]);
      await store.whenIdle();
      expect(store.stats().purges).toBe(2);
      const reader = make({ collection: store.collection, now: () => 0 });
      const found = await reader.search(vec(1), { scope: s, k: 10, minSimilarity: -1 });
      expect(found.map((m) => m.key).sort()).toEqual([`${s}:new`, `${s}:newer`]);
    });

    it('deletes by key and clears by scope or entirely', async () => {
      const store = make();
      const s = scope();
      const t = scope();
      await store.upsert([rec(s, 'a', vec(1)), rec(s, 'b', vec(1, 1)), rec(t, 'c', vec(1))]);
      await store.delete([`${s}:a`, `${s}:unknown`]);
      const left = await store.search(vec(1), { scope: s, k: 10, minSimilarity: -1 });
      expect(left.map((m) => m.key)).toEqual([`${s}:b`]);
      await store.clear(s);
      expect(await store.search(vec(1), { scope: s, k: 10, minSimilarity: -1 })).toEqual([]);
      expect(await store.search(vec(1), { scope: t, k: 10, minSimilarity: -1 })).toHaveLength(1);
      await store.clear();
      expect(await store.search(vec(1), { scope: t, k: 10, minSimilarity: -1 })).toEqual([]);
    });

    it('creates the collection again when it was deleted under the store', async () => {
      const store = make();
      const s = scope();
      await store.upsert([rec(s, 'a', vec(1))]);
      await target.client().deleteCollection(store.collection);
      await store.upsert([rec(s, 'b', vec(1))]);
      const found = await store.search(vec(1), { scope: s, k: 10, minSimilarity: -1 });
      expect(found.map((m) => m.key)).toEqual([`${s}:b`]);
      expect(store.stats().collectionsCreated).toBe(2);
    });

    it('maps the server’s 400 for a wrong vector size to DimensionMismatchError', async () => {
      const store = make();
      await store.ensureCollection();
      await target.client().deleteCollection(store.collection);
      await target.client().createCollection(store.collection, {
        vectors: { size: DIM * 2, distance: 'Cosine' },
      });
      const error = await store.upsert([rec(scope(), 'a', vec(1))]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DimensionMismatchError);
      expect(error).toMatchObject({ expected: DIM * 2, actual: DIM });
    });

    it('validates vectors and arguments before sending anything', async () => {
      const store = make();
      const s = scope();
      await expect(store.upsert([rec(s, 'a', new Float32Array(DIM + 1).fill(1))])).rejects.toThrow(
        DimensionMismatchError,
      );
      await expect(store.upsert([rec(s, 'a', new Float32Array(DIM))])).rejects.toThrow(
        InvalidVectorError,
      );
      await expect(store.upsert([rec(s, 'a', vec(1, Number.NaN))])).rejects.toThrow(
        InvalidVectorError,
      );
      await expect(store.search(vec(1), { scope: s, k: 0, minSimilarity: 0 })).rejects.toThrow(
        InvalidRequestError,
      );
      await expect(store.search(vec(1), { scope: s, k: 1, minSimilarity: 2 })).rejects.toThrow(
        InvalidRequestError,
      );
      await expect(store.search(vec(1), { scope: '', k: 1, minSimilarity: 0 })).rejects.toThrow(
        InvalidRequestError,
      );
      expect(() => new QdrantVectorStore({ url: target.url(), dimension: 0 })).toThrow(
        InvalidOptionError,
      );
      expect(() => new QdrantVectorStore({ dimension: 4 })).toThrow(InvalidOptionError);
    });

    it('rejects every call after close, and close twice is fine', async () => {
      const store = make();
      await store.close();
      await store.close();
      await expect(store.search(vec(1), { scope: 's', k: 1, minSimilarity: 0 })).rejects.toThrow(
        ClosedError,
      );
      await expect(store.upsert([])).rejects.toThrow(ClosedError);
    });
  });
}

describe('QdrantVectorStore on the wire (fake server)', () => {
  const [target] = targets();
  if (!target) throw new Error('the fake target is always present');
  beforeAll(() => target.start());
  afterAll(() => target.stop());
  const fake = () => {
    const f = target.fake();
    if (!f) throw new Error('fake not started');
    return f;
  };

  it('stores points under UUIDv5 ids of their keys, with the key in the payload', async () => {
    const store = new QdrantVectorStore({ url: target.url(), dimension: DIM, collection: 'ids' });
    await store.upsert([{ key: 'abc:1', scope: 'abc', vector: vec(1), expiresAt: 42 }]);
    const point = fake().collections.get('ids')?.points.get(pointIdOf('abc:1'));
    expect(point?.payload).toEqual({ key: 'abc:1', scope: 'abc', expiresAt: 42 });
    expect(pointIdOf('abc:1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-/);
  });

  it('splits upserts and deletes into batches and sends wait=true by default', async () => {
    const store = new QdrantVectorStore({
      url: target.url(),
      dimension: DIM,
      collection: 'batches',
      batchSize: 2,
    });
    await store.ensureCollection();
    const from = fake().requests.length;
    const s = scope();
    const records = [1, 2, 3, 4, 5].map((i) => rec(s, `k${i}`, vec(1, i)));
    await store.upsert(records);
    const puts = fake()
      .requests.slice(from)
      .filter((r) => r.method === 'PUT' && r.path.endsWith('/points'));
    expect(puts.map((r) => (r.body as { points: unknown[] }).points.length)).toEqual([2, 2, 1]);
    expect(puts.every((r) => r.query.get('wait') === 'true')).toBe(true);
    await store.delete(records.map((r) => r.key));
    const deletes = fake()
      .requests.slice(from)
      .filter((r) => r.path.endsWith('/points/delete') && 'points' in (r.body as object));
    expect(deletes).toHaveLength(3);
    expect(fake().collections.get('batches')?.points.size).toBe(0);
  });

  it('sends wait=false when asked to', async () => {
    const store = new QdrantVectorStore({
      url: target.url(),
      dimension: DIM,
      collection: 'nowait',
      wait: false,
    });
    await store.upsert([rec(scope(), 'a', vec(1))]);
    const put = fake().requests.findLast((r) => r.path === '/collections/nowait/points');
    expect(put?.query.get('wait')).toBe('false');
  });

  it('searches with a hard scope filter and an expiry range filter', async () => {
    const store = new QdrantVectorStore({
      url: target.url(),
      dimension: DIM,
      collection: 'filters',
      now: () => 777,
    });
    await store.search(vec(1), { scope: 'abc', k: 3, minSimilarity: 0.5 });
    const query = fake().requests.findLast((r) => r.path.endsWith('/points/query'));
    expect(query?.body).toMatchObject({
      limit: 3,
      filter: {
        must: [{ key: 'scope', match: { value: 'abc' } }],
        must_not: [{ key: 'expiresAt', range: { lte: 777 } }],
      },
    });
  });

  it('maps a server-side wrong vector size (400) to DimensionMismatchError', async () => {
    const store = new QdrantVectorStore({ url: target.url(), dimension: DIM, collection: 'dim' });
    await store.ensureCollection();
    fake().failNext(
      400,
      JSON.stringify({
        status: { error: 'Wrong input: Vector dimension error: expected dim: 16, got 8' },
        time: 0.0001,
      }),
    );
    const error = await store.upsert([rec(scope(), 'a', vec(1))]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DimensionMismatchError);
    expect(error).toMatchObject({ expected: 16, actual: 8 });
  });

  it('maps 500 and 429 to a retryable StoreUnavailableError carrying Qdrant’s message', async () => {
    const store = new QdrantVectorStore({ url: target.url(), dimension: DIM, collection: 'e500' });
    await store.ensureCollection();
    fake().failNext(
      500,
      JSON.stringify({ status: { error: 'Service internal error: boom' }, time: 0 }),
    );
    const error = await store
      .search(vec(1), { scope: 's', k: 1, minSimilarity: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ retryable: true, store: 'qdrant' });
    expect((error as Error).message).toContain('Service internal error: boom');
    fake().failNext(429, JSON.stringify({ status: { error: 'Too many requests' }, time: 0 }));
    await expect(store.delete(['s:x'])).rejects.toMatchObject({ retryable: true });
    fake().failNext(429, JSON.stringify({ status: { error: 'Too many requests' }, time: 0 }), {
      'retry-after': '3',
    });
    const limited = await store.delete(['s:x']).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(StoreUnavailableError);
    expect((limited as Error).message).toContain('rate limited (429)');
  });

  it('maps a refused api key to a non-retryable StoreUnavailableError', async () => {
    const store = new QdrantVectorStore({ url: target.url(), dimension: DIM, collection: 'auth' });
    await store.ensureCollection();
    fake().failNext(403, JSON.stringify({ status: { error: 'Forbidden' }, time: 0 }));
    await expect(store.clear()).rejects.toMatchObject({
      name: 'StoreUnavailableError',
      retryable: false,
    });
  });

  it('reports an unreachable server as StoreUnavailableError, and recovers later', async () => {
    const store = new QdrantVectorStore({
      url: 'http://127.0.0.1:9',
      dimension: DIM,
      collection: 'gone',
    });
    const error = await store
      .search(vec(1), { scope: 's', k: 1, minSimilarity: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain('http://127.0.0.1:9');
    expect((error as StoreUnavailableError).retryable).toBe(true);
  });

  it('counts a failed background purge and hands it to onError', async () => {
    const errors: unknown[] = [];
    const store = new QdrantVectorStore({
      url: target.url(),
      dimension: DIM,
      collection: 'purgefail',
      onError: (e) => errors.push(e),
    });
    await store.ensureCollection();
    const s = scope();
    fake().failNext(
      200,
      JSON.stringify({ result: { operation_id: 1, status: 'completed' }, status: 'ok', time: 0 }),
    );
    fake().failNext(500, JSON.stringify({ status: { error: 'disk full' }, time: 0 }));
    await store.upsert([rec(s, 'a', vec(1))]);
    await store.close();
    expect(store.stats()).toMatchObject({ purges: 0, purgeFailures: 1 });
    expect(errors[0]).toBeInstanceOf(StoreUnavailableError);
  });
});
