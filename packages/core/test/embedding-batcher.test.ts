import { describe, expect, it } from 'vitest';
import {
  EmbedderError,
  EmbeddingBatcher,
  InvalidVectorError,
  MemoryExactStore,
  norm,
  SemanticCache,
} from '../src/index.js';
import { ask, BruteForceVectorStore, CountingModel, WordEmbedder } from './helpers.js';

describe('EmbeddingBatcher', () => {
  it('batches concurrent texts into one call and deduplicates them', async () => {
    const embedder = new WordEmbedder();
    const batcher = new EmbeddingBatcher(embedder);
    const vectors = await Promise.all(['a b', 'c d', 'a b', 'e f'].map((t) => batcher.embed(t)));
    expect(embedder.calls).toEqual([['a b', 'c d', 'e f']]);
    expect(vectors[0]).toBe(vectors[2]);
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('bounds the batch size', async () => {
    const embedder = new WordEmbedder();
    const batcher = new EmbeddingBatcher(embedder, { maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.embed(`text ${i}`)));
    expect(embedder.calls.map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('remembers embeddings by embedder id and text (LRU)', async () => {
    const embedder = new WordEmbedder();
    const batcher = new EmbeddingBatcher(embedder, { cacheSize: 2 });
    await batcher.embed('one');
    await batcher.embed('one');
    expect(embedder.calls).toEqual([['one']]);
    await batcher.embed('two');
    await batcher.embed('three');
    await batcher.embed('one');
    expect(embedder.calls.flat()).toEqual(['one', 'two', 'three', 'one']);
    const off = new EmbeddingBatcher(embedder, { cacheSize: 0 });
    await off.embed('x');
    await off.embed('x');
    expect(embedder.calls.flat().filter((t) => t === 'x')).toHaveLength(2);
  });

  it('keeps partitions apart, in the LRU and in flight', async () => {
    const embedder = new WordEmbedder();
    const batcher = new EmbeddingBatcher(embedder);
    await Promise.all([
      batcher.embed('same', undefined, 'a'),
      batcher.embed('same', undefined, 'b'),
    ]);
    expect(embedder.calls).toEqual([['same', 'same']]);
    await batcher.embed('same', undefined, 'a');
    await batcher.embed('same', undefined, 'b');
    expect(embedder.calls).toHaveLength(1);
  });

  it('bounds the LRU by bytes as well as by count, and does not keep long texts', async () => {
    const embedder = new WordEmbedder();
    const one = embedder.dimension * 4;
    // Room for about two vectors of short texts, whatever the count limit.
    const batcher = new EmbeddingBatcher(embedder, { cacheSize: 1000, cacheBytes: 2 * one + 400 });
    for (const t of ['one', 'two', 'three']) await batcher.embed(t);
    await batcher.embed('one');
    expect(embedder.calls.flat()).toEqual(['one', 'two', 'three', 'one']);
    // A 1 MB text costs the LRU a digest, not the text: it is remembered within the budget.
    const long = 'word '.repeat(200_000);
    await batcher.embed(long);
    await batcher.embed(long);
    expect(embedder.calls.flat().filter((t) => t === long)).toHaveLength(1);
    expect(() => new EmbeddingBatcher(embedder, { cacheBytes: 0 })).toThrow(/embeddingCacheBytes/);
  });

  it('rejects every waiter of a failed batch with EmbedderError and remembers nothing', async () => {
    const embedder = new WordEmbedder();
    embedder.fail = new Error('model not loaded');
    const batcher = new EmbeddingBatcher(embedder);
    const results = await Promise.allSettled([batcher.embed('a'), batcher.embed('b')]);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof EmbedderError)).toBe(
      true,
    );
    embedder.fail = undefined;
    await batcher.embed('a');
    expect(embedder.calls).toHaveLength(2);
  });

  it('rejects invalid vectors from the embedder with a typed error', async () => {
    const batcher = new EmbeddingBatcher({
      id: 'nan',
      dimension: 2,
      embed: async (texts) => texts.map(() => new Float32Array([Number.NaN, 1])),
    });
    await expect(batcher.embed('a')).rejects.toBeInstanceOf(InvalidVectorError);
  });
});

describe('SemanticCache embedding', () => {
  it('concurrent lookups share one embed call; a repeated prompt is embedded once', async () => {
    const embedder = new WordEmbedder();
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new BruteForceVectorStore(embedder.dimension),
      embedder,
      model: new CountingModel(),
      ttlRules: [],
    });
    await Promise.all(['alpha', 'beta', 'gamma', 'delta'].map((p) => cache.lookup(ask(p))));
    expect(embedder.calls).toEqual([['alpha', 'beta', 'gamma', 'delta']]);
    await cache.complete(ask('alpha'));
    expect(cache.embedCalls).toBe(1);
    // Another tenant's embedding is its own: no timing signal of what this tenant asked.
    await cache.lookup(ask('alpha'), { tenant: 'other' });
    expect(cache.embedCalls).toBe(2);
    await cache.lookup(ask('alpha'), { tenant: 'other' });
    expect(cache.embedCalls).toBe(2);
  });
});
