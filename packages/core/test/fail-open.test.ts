import { describe, expect, it, vi } from 'vitest';
import {
  MemoryExactStore,
  SemanticCache,
  type SemanticCacheOptions,
  StoreUnavailableError,
  TimeoutError,
} from '../src/index.js';
import {
  ask,
  BruteForceVectorStore,
  Clock,
  CountingModel,
  FaultyExactStore,
  FaultyVectorStore,
  WordEmbedder,
} from './helpers.js';

function setup(extra: Partial<SemanticCacheOptions> = {}) {
  const exactStore = new FaultyExactStore();
  const embedder = new WordEmbedder();
  const inner = new BruteForceVectorStore(embedder.dimension);
  const vectorStore = new FaultyVectorStore(inner);
  const model = new CountingModel();
  const errors: string[] = [];
  const cache = new SemanticCache({
    exactStore,
    vectorStore,
    embedder,
    model,
    minSimilarity: 0.8,
    ttlRules: [],
    timeouts: { exactStoreMs: 20, vectorStoreMs: 20, embedderMs: 20 },
    onError: (_e, where) => errors.push(where),
    ...extra,
  });
  return { exactStore, vectorStore, inner, embedder, model, cache, errors };
}

const prompt = 'what is the python programming language';

describe('fail-open (default)', () => {
  it('answers from the model when the exact store fails, counts it, and resumes when it is back', async () => {
    const { cache, exactStore, model, errors } = setup();
    exactStore.failing = new Set(['get', 'set']);
    const r = await cache.complete(ask(prompt));
    expect(r).toMatchObject({ source: 'model', stored: false });
    expect(r.failures).toContain('faulty');
    expect(cache.metrics().errors.faulty).toBeGreaterThanOrEqual(2);
    expect(errors).toContain('faulty');
    exactStore.failing.clear();
    await cache.complete(ask(prompt));
    expect((await cache.complete(ask(prompt))).source).toBe('exact');
    expect(model.calls).toBe(2);
  });

  it('treats a hanging exact store as a miss after its timeout', async () => {
    const { cache, exactStore } = setup();
    exactStore.hanging = new Set(['get', 'set']);
    const r = await cache.complete(ask(prompt));
    expect(r.source).toBe('model');
    expect(r.stored).toBe(false);
    expect(cache.metrics().errors.faulty).toBe(2);
  });

  it('answers from the model when the vector store or embedder fails', async () => {
    const { cache, vectorStore, embedder, inner } = setup();
    await cache.complete(ask(prompt));
    vectorStore.failing = true;
    const r = await cache.complete(ask(`${prompt} exactly`));
    expect(r.source).toBe('model');
    expect(r.failures).toContain('faulty-vectors');
    vectorStore.failing = false;
    embedder.fail = new Error('embedder down');
    const e = await cache.complete(ask(`${prompt} please`));
    expect(e.source).toBe('model');
    expect(e.failures).toContain('embedder');
    embedder.fail = undefined;
    // The exact entries were written even though their vectors were not.
    expect((await cache.complete(ask(`${prompt} exactly`))).source).toBe('exact');
    expect(inner.records.size).toBe(1);
    vectorStore.hanging = true;
    expect((await cache.complete(ask(`${prompt} now please`))).source).toBe('model');
  });

  it('gives the caller the answer when storing fails, even with failMode closed', async () => {
    const { cache, exactStore } = setup({ failMode: 'closed' });
    exactStore.failing = new Set(['set']);
    const r = await cache.complete(ask(prompt));
    expect(r).toMatchObject({ source: 'model', stored: false, failures: ['faulty'] });
  });

  it('never writes a vector for an entry the exact store did not take', async () => {
    const { cache, exactStore, inner } = setup();
    exactStore.failing = new Set(['set']);
    await cache.complete(ask(prompt));
    expect(inner.records.size).toBe(0);
  });

  it('cleans a vector whose entry is missing even when it came from a half-failed write', async () => {
    const { cache, exactStore, inner } = setup();
    await cache.complete(ask(prompt));
    await (exactStore.inner as MemoryExactStore).clear();
    const r = await cache.complete(ask(`${prompt} exactly`));
    expect(r.source).toBe('model');
    expect(r.rejected[0]?.reasons).toEqual(['entry gone']);
    expect(inner.records.size).toBe(1);
  });
});

describe('failMode closed', () => {
  it('throws StoreUnavailableError for a failing store and TimeoutError for a slow one', async () => {
    const { cache, exactStore, model } = setup({ failMode: 'closed' });
    exactStore.failing = new Set(['get']);
    await expect(cache.complete(ask(prompt))).rejects.toBeInstanceOf(StoreUnavailableError);
    exactStore.failing.clear();
    exactStore.hanging = new Set(['get']);
    await expect(cache.complete(ask(prompt))).rejects.toBeInstanceOf(TimeoutError);
    expect(model.calls).toBe(0);
    expect(cache.metrics().errors.faulty).toBe(2);
  });

  it('throws from a cache-aside store when the exact store fails', async () => {
    const { cache, exactStore } = setup({ failMode: 'closed' });
    exactStore.failing = new Set(['set']);
    await expect(
      cache.store(ask(prompt), { content: 'x', model: 'm', finishReason: 'stop' }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('corrupt entries, aborts and model timeouts', () => {
  it('treats a malformed entry as a miss, counts it and deletes it', async () => {
    const { cache, exactStore, model } = setup();
    const first = await cache.complete(ask(prompt));
    const key = first.key as string;
    const memory = exactStore.inner as MemoryExactStore;
    exactStore.garbage.set(key, { key, scope: 'wrong', response: 42 });
    const r = await cache.complete(ask(prompt));
    expect(r.source).toBe('model');
    expect(r.failures).toContain('faulty:corrupt');
    expect(cache.metrics().errors['faulty:corrupt']).toBe(1);
    expect(model.calls).toBe(2);
    expect(exactStore.garbage.has(key)).toBe(false);
    expect((await memory.get(key))?.response.content).toBe(r.response.content);
    expect((await cache.complete(ask(prompt))).source).toBe('exact');
  });

  it("serves no entry filed under the request's key that holds another prompt", async () => {
    const { cache, exactStore, model } = setup();
    const first = await cache.complete(ask(prompt));
    const key = first.key as string;
    const memory = exactStore.inner as MemoryExactStore;
    const entry = await memory.get(key);
    // Well formed in every field, but for another question: a digest collision, or a copy.
    exactStore.garbage.set(key, { ...entry, prompt: 'What is the capital of Germany?' });
    const r = await cache.complete(ask(prompt));
    expect(r.source).toBe('model');
    expect(r.failures).toContain('faulty:corrupt');
    expect(model.calls).toBe(2);
    expect(exactStore.garbage.has(key)).toBe(false);
  });

  it("a leader's abort does not fail the callers sharing its model call", async () => {
    const exactStore = new MemoryExactStore();
    const model = new CountingModel();
    const cache = new SemanticCache({ exactStore, model, ttlRules: [] });
    model.hold();
    const controller = new AbortController();
    const leader = cache.complete(ask('q'), { signal: controller.signal });
    const follower = cache.complete(ask('q'));
    await new Promise((r) => setImmediate(r));
    controller.abort(new Error('leader gave up'));
    await expect(leader).rejects.toThrow('leader gave up');
    model.release();
    expect((await follower).source).toBe('model');
    expect(model.calls).toBe(1);
    expect((await cache.complete(ask('q'))).source).toBe('exact');
  });

  it('rejects with TimeoutError when the model is slower than timeouts.modelMs, caching nothing', async () => {
    const exactStore = new MemoryExactStore();
    let sawAbort = false;
    const cache = new SemanticCache({
      exactStore,
      model: {
        id: 'slow',
        complete: (_request, options) =>
          new Promise((_, reject) => {
            options?.signal?.addEventListener('abort', () => {
              sawAbort = true;
              reject(options.signal?.reason);
            });
          }),
      },
      timeouts: { modelMs: 10 },
    });
    await expect(cache.complete(ask('q'))).rejects.toBeInstanceOf(TimeoutError);
    expect(exactStore.keys()).toEqual([]);
    // The model's own call was aborted too, not just abandoned.
    await vi.waitFor(() => expect(sawAbort).toBe(true));
  });
});

describe('repair of vectors owed after a vector-store outage', () => {
  it('writes the missing vector once the vector store answers again, so paraphrases hit', async () => {
    const { cache, vectorStore, inner } = setup();
    vectorStore.failing = true;
    const stored = await cache.complete(ask(prompt));
    expect(stored).toMatchObject({ source: 'model', stored: true });
    expect(inner.records.size).toBe(0);
    // Exact hits work during the outage.
    expect((await cache.complete(ask(prompt))).source).toBe('exact');
    vectorStore.failing = false;
    // The first successful search pays the debt ...
    await cache.lookup(ask('an unrelated question about gardening'));
    expect(inner.records.has(stored.key as string)).toBe(true);
    expect(cache.metrics().vectorsRepaired).toBe(1);
    // ... and paraphrases hit again, without a restart.
    expect((await cache.complete(ask(`${prompt} exactly`))).source).toBe('semantic');
  });

  it('drops owed vectors of deleted or expired entries', async () => {
    const clock = new Clock(Date.now());
    const { cache, vectorStore, inner } = setup({ ttlMs: 1000, now: clock.now });
    vectorStore.failing = true;
    const a = await cache.complete(ask(prompt));
    await cache.complete(ask('another stored question'));
    vectorStore.failing = false;
    await cache.delete(a.key as string);
    clock.advance(1000);
    await cache.lookup(ask('an unrelated question about gardening'));
    expect(inner.records.size).toBe(0);
    expect(cache.metrics().vectorsRepaired).toBe(0);
  });
});
