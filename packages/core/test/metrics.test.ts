import { describe, expect, it } from 'vitest';
import { CacheMetrics, type LookupEvent, MemoryExactStore, SemanticCache } from '../src/index.js';
import { ask, BruteForceVectorStore, CountingModel, WordEmbedder } from './helpers.js';

describe('CacheMetrics', () => {
  it('computes percentiles over a bounded window', () => {
    const m = new CacheMetrics();
    for (let i = 1; i <= 100; i++) m.recordRequest('exact', i, false);
    for (let i = 0; i < 5000; i++) m.recordRequest('model', 7, true);
    const s = m.snapshot();
    expect(s.latency.exact).toMatchObject({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
    expect(s.latency.exact.meanMs).toBeCloseTo(50.5);
    expect(s.latency.model).toMatchObject({ count: 5000, p50Ms: 7, p99Ms: 7 });
    expect(s.latency.semantic.count).toBe(0);
    m.reset();
    expect(m.snapshot().requests).toBe(0);
  });
});

describe('SemanticCache metrics', () => {
  it('counts sources, misses, hit rate, tokens and cost saved, and emits one event per call', async () => {
    const events: LookupEvent[] = [];
    const embedder = new WordEmbedder();
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new BruteForceVectorStore(embedder.dimension),
      embedder,
      model: new CountingModel(),
      minSimilarity: 0.8,
      ttlRules: [],
      cost: { promptTokenCost: 0.001, completionTokenCost: 0.002 },
      onLookup: (e) => events.push(e),
    });
    await cache.complete(ask('what is the python programming language'));
    await cache.complete(ask('what is the python programming language'));
    await cache.complete(ask('what is the python programming language exactly'));
    await cache.complete(ask('q'), { bypass: true });
    await cache.lookup(ask('something else entirely'));
    const m = cache.metrics();
    expect(m.requests).toBe(5);
    expect(m.bySource).toEqual({ exact: 1, semantic: 1, model: 1, bypass: 1 });
    expect(m.misses).toBe(2);
    expect(m.hitRate).toBeCloseTo(0.5);
    expect(m.modelCalls).toBe(2);
    expect(m.stores).toBe(1);
    // Two hits, each saving 10 prompt + 20 completion tokens of CountingModel's usage.
    expect(m.tokensSaved).toBe(60);
    expect(m.costSaved).toBeCloseTo(2 * (10 * 0.001 + 20 * 0.002));
    expect(m.latency.exact.count).toBe(1);
    expect(m.latency.model.count).toBe(1);
    expect(events.map((e) => [e.operation, e.source])).toEqual([
      ['complete', 'model'],
      ['complete', 'exact'],
      ['complete', 'semantic'],
      ['complete', 'bypass'],
      ['lookup', 'miss'],
    ]);
    expect(events[2]?.similarity).toBeGreaterThan(0.8);
    expect(events[0]?.timings.totalMs).toBeGreaterThanOrEqual(0);
    cache.resetMetrics();
    expect(cache.metrics().requests).toBe(0);
  });

  it('a throwing hook never reaches the caller', async () => {
    const hookErrors: unknown[] = [];
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      model: new CountingModel(),
      onLookup: () => {
        throw new Error('hook bug');
      },
      onHookError: (e) => hookErrors.push(e),
    });
    expect((await cache.complete(ask('q'))).source).toBe('model');
    expect(hookErrors).toHaveLength(1);
  });
});
