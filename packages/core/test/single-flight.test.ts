import { describe, expect, it } from 'vitest';
import { MemoryExactStore, ModelError, SemanticCache, SingleFlight } from '../src/index.js';
import { ask, BruteForceVectorStore, CountingModel, tick, WordEmbedder } from './helpers.js';

describe('SingleFlight', () => {
  it('runs the work once per key while it is in flight, then frees the key', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const all = Promise.all([
      flights.run('k', work),
      flights.run('k', work),
      flights.run('other', work),
    ]);
    await tick();
    release();
    const results = await all;
    expect(runs).toBe(2);
    expect(results.map((r) => r.shared)).toEqual([false, true, false]);
    expect(flights.size).toBe(0);
    await flights.run('k', work);
    expect(runs).toBe(3);
  });

  it('aborts the shared work only when every waiter has aborted', async () => {
    const flights = new SingleFlight<string>();
    let seen: AbortSignal | undefined;
    const work = (signal: AbortSignal) =>
      new Promise<string>((_, reject) => {
        seen = signal;
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    const a = new AbortController();
    const b = new AbortController();
    const pa = flights.run('k', work, a.signal);
    const pb = flights.run('k', work, b.signal);
    await tick();
    a.abort(new Error('a gone'));
    await expect(pa).rejects.toThrow('a gone');
    expect(seen?.aborted).toBe(false);
    b.abort(new Error('b gone'));
    await expect(pb).rejects.toThrow('b gone');
    expect(seen?.aborted).toBe(true);
  });
});

describe('SemanticCache single-flight', () => {
  it('1,000 concurrent identical misses make exactly one model call', async () => {
    const model = new CountingModel();
    const embedder = new WordEmbedder();
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new BruteForceVectorStore(embedder.dimension),
      embedder,
      model,
      ttlRules: [],
    });
    model.hold();
    const pending = Array.from({ length: 1000 }, () => cache.complete(ask('What is a monad?')));
    await tick();
    await tick();
    model.release();
    const results = await Promise.all(pending);
    expect(model.calls).toBe(1);
    expect(embedder.calls.flat()).toEqual(['What is a monad?']);
    expect(new Set(results.map((r) => r.response.content)).size).toBe(1);
    expect(results.filter((r) => !r.shared)).toHaveLength(1);
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    const m = cache.metrics();
    expect(m.modelCalls).toBe(1);
    expect(m.sharedCalls).toBe(999);
    expect(m.bySource.model).toBe(1000);
    expect((await cache.complete(ask('What is a monad?'))).source).toBe('exact');
  });

  it('a failed model call rejects every waiter and caches nothing', async () => {
    const model = new CountingModel();
    const exactStore = new MemoryExactStore();
    const cache = new SemanticCache({ exactStore, model, ttlRules: [] });
    model.hold();
    model.fail = new Error('upstream 500');
    const pending = Array.from({ length: 1000 }, () => cache.complete(ask('What is a monad?')));
    const settled = Promise.allSettled(pending);
    await tick();
    model.release();
    const results = await settled;
    expect(model.calls).toBe(1);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ModelError)).toBe(
      true,
    );
    expect(exactStore.keys()).toEqual([]);
    expect(cache.metrics().errors.model).toBe(1);
    model.fail = undefined;
    expect((await cache.complete(ask('What is a monad?'))).source).toBe('model');
    expect(model.calls).toBe(2);
  });

  it('does not share calls across different keys', async () => {
    const model = new CountingModel();
    const cache = new SemanticCache({ exactStore: new MemoryExactStore(), model, ttlRules: [] });
    await Promise.all([
      cache.complete(ask('a')),
      cache.complete(ask('b')),
      cache.complete(ask('a'), { tenant: 't' }),
    ]);
    expect(model.calls).toBe(3);
  });
});
