import { describe, expect, it } from 'vitest';
import {
  DimensionMismatchError,
  type HitGuard,
  MemoryExactStore,
  SemanticCache,
  type SemanticCacheOptions,
} from '../src/index.js';
import { ask, BruteForceVectorStore, Clock, CountingModel, WordEmbedder } from './helpers.js';

function setup(extra: Partial<SemanticCacheOptions> = {}) {
  const clock = new Clock();
  const exactStore = new MemoryExactStore({ now: clock.now });
  const embedder = new WordEmbedder();
  const vectorStore = new BruteForceVectorStore(embedder.dimension, clock.now);
  const model = new CountingModel();
  const cache = new SemanticCache({
    exactStore,
    vectorStore,
    embedder,
    model,
    minSimilarity: 0.8,
    ttlRules: [],
    now: clock.now,
    ...extra,
  });
  return { clock, exactStore, vectorStore, embedder, model, cache };
}

const numberGuard: HitGuard = {
  id: 'numbers',
  judge(query, candidate) {
    const a = query.match(/\d+/g)?.join(',') ?? '';
    const b = candidate.prompt.match(/\d+/g)?.join(',') ?? '';
    return a === b
      ? { accept: true, reasons: [] }
      : { accept: false, reasons: [`number: ${a} vs ${b}`] };
  },
};

/** A cache whose guard accepts everything and records each `prepare` and `judge` in `events`. */
function setupRecordingGuard() {
  const events: string[] = [];
  const made = setup({
    guard: {
      id: 'recording',
      prepare: (prompt) => {
        events.push(`prepare ${prompt} after ${made.embedder.calls.length} embed calls`);
      },
      judge: (query) => {
        events.push(`judge ${query}`);
        return { accept: true, reasons: [] };
      },
    },
  });
  return { ...made, events };
}

describe('guard preparation during the embedding', () => {
  it("hands the prompt to the embedder first, then to the guard's prepare, then judges", async () => {
    const { cache, events } = setupRecordingGuard();
    await cache.complete(ask('what is the python programming language'));
    // Prepared once: storing the answer does not hand the prompt over again.
    await new Promise(setImmediate);
    expect(events).toEqual(['prepare what is the python programming language after 1 embed calls']);
    events.length = 0;
    const r = await cache.complete(ask('what is the python programming language exactly'));
    expect(r.source).toBe('semantic');
    expect(events).toEqual([
      'prepare what is the python programming language exactly after 2 embed calls',
      'judge what is the python programming language exactly',
    ]);
  });

  it("hands a stored entry's prompt to prepare while its vector is embedded", async () => {
    const { cache, events } = setupRecordingGuard();
    await cache.store(ask('what is the Python language  \r\n'), {
      content: 'a programming language',
      model: 'm',
      finishReason: 'stop',
    });
    await new Promise(setImmediate);
    expect(events).toEqual(['prepare what is the Python language after 1 embed calls']);
  });

  it('a prepare that throws changes nothing: judge decides', async () => {
    const { cache } = setup({
      guard: {
        id: 'throwing-prepare',
        prepare: () => {
          throw new Error('analysis failed');
        },
        judge: numberGuard.judge,
      },
    });
    await cache.complete(ask('what is the python programming language'));
    const r = await cache.complete(ask('what is the python programming language exactly'));
    expect(r.source).toBe('semantic');
    expect(r.failures).toEqual([]);
    expect(r.timings.guardMs).toBeTypeOf('number');
  });
});

describe('semantic layer', () => {
  it('serves a paraphrase from a stored entry, with its similarity and matched key', async () => {
    const { cache, model } = setup();
    const first = await cache.complete(ask('what is the python programming language'));
    expect(first.source).toBe('model');
    const second = await cache.complete(ask('what is the python programming language exactly'));
    expect(second.source).toBe('semantic');
    expect(second.similarity).toBeGreaterThanOrEqual(0.8);
    expect(second.similarity).toBeLessThan(1);
    expect(second.matchedKey).toBe(first.key);
    expect(second.matchedPrompt).toBe('what is the python programming language');
    expect(second.response.content).toBe(first.response.content);
    expect(second.stored).toBe(false);
    expect(model.calls).toBe(1);
    expect(second.timings.embedMs).toBeTypeOf('number');
    expect(second.timings.searchMs).toBeTypeOf('number');
  });

  it('misses below minSimilarity', async () => {
    const { cache } = setup({ minSimilarity: 0.99 });
    await cache.complete(ask('what is the python programming language'));
    expect(
      (await cache.complete(ask('what is the python programming language exactly'))).source,
    ).toBe('model');
  });

  it('works with an accept-all guard (threshold only) and applies a guard when given', async () => {
    const unguarded = setup({
      guard: { id: 'accept-all', judge: () => ({ accept: true, reasons: [] }) },
    }).cache;
    await unguarded.complete(ask('how many legs does a spider have 8'));
    expect((await unguarded.complete(ask('how many legs does a spider have 6'))).source).toBe(
      'semantic',
    );

    const { cache, model } = setup({ guard: numberGuard });
    await cache.complete(ask('how many legs does a spider have 8'));
    const rejected = await cache.complete(ask('how many legs does a spider have 6'));
    expect(rejected.source).toBe('model');
    expect(rejected.rejected[0]?.reasons).toEqual(['number: 6 vs 8']);
    expect(cache.metrics().guardRejections).toBe(1);
    expect((await cache.complete(ask('how many legs does a spider have 8 ok'))).source).toBe(
      'semantic',
    );
    expect(model.calls).toBe(2);
  });

  it('serves the first candidate that passes the guard', async () => {
    const { cache } = setup({ guard: numberGuard, k: 5 });
    await cache.complete(ask('tell me about the year 1999 in music history'));
    await cache.complete(ask('tell me about the year 2001 in music history'));
    const r = await cache.complete(ask('tell me about the year 2001 in music history please'));
    expect(r.source).toBe('semantic');
    expect(r.matchedPrompt).toBe('tell me about the year 2001 in music history');
  });

  it('drops and deletes a vector whose entry is gone from the exact store', async () => {
    const { cache, exactStore, vectorStore, model } = setup();
    const first = await cache.complete(ask('what is the python programming language'));
    await exactStore.delete(first.key as string);
    expect(vectorStore.records.has(first.key as string)).toBe(true);
    const r = await cache.complete(ask('what is the python programming language exactly'));
    expect(r.source).toBe('model');
    expect(r.rejected).toEqual([
      { key: first.key, similarity: expect.any(Number), reasons: ['entry gone'] },
    ]);
    expect(vectorStore.deleted).toContain(first.key);
    expect(vectorStore.records.has(first.key as string)).toBe(false);
    expect(cache.metrics().orphansCleaned).toBe(1);
    expect(model.calls).toBe(2);
  });

  it('never serves an expired entry through the vector store', async () => {
    const { cache, clock } = setup({ ttlMs: 1000 });
    await cache.complete(ask('what is the python programming language'));
    clock.advance(1000);
    expect(
      (await cache.complete(ask('what is the python programming language exactly'))).source,
    ).toBe('model');
  });

  it('keeps semantic hits inside the scope', async () => {
    const { cache } = setup();
    await cache.complete(ask('what is the python programming language'), { tenant: 'a' });
    expect(
      (
        await cache.complete(ask('what is the python programming language exactly'), {
          tenant: 'b',
        })
      ).source,
    ).toBe('model');
    expect(
      (
        await cache.complete(ask('what is the python programming language exactly'), {
          tenant: 'a',
        })
      ).source,
    ).toBe('semantic');
  });

  it('reportWrongHit deletes the entry from both stores and counts it', async () => {
    const { cache, exactStore, vectorStore } = setup();
    await cache.complete(ask('what is the python programming language'));
    const hit = await cache.complete(ask('what is the python programming language exactly'));
    expect(await cache.reportWrongHit(hit.matchedKey as string)).toBe(true);
    expect(exactStore.keys()).toEqual([]);
    expect(vectorStore.records.has(hit.matchedKey as string)).toBe(false);
    expect(cache.metrics().wrongHits).toBe(1);
    expect((await cache.complete(ask('what is the python programming language'))).source).toBe(
      'model',
    );
  });

  it('cache-aside lookup finds semantic hits too', async () => {
    const { cache } = setup();
    const request = ask('what is the python programming language');
    await cache.store(request, { content: 'A language.', model: 'm', finishReason: 'stop' });
    const r = await cache.lookup(ask('what is the python programming language exactly'));
    expect(r).toMatchObject({
      hit: true,
      source: 'semantic',
      response: { content: 'A language.' },
    });
  });

  it('rejects an embedder and a vector store of different dimensions', () => {
    expect(
      () =>
        new SemanticCache({
          exactStore: new MemoryExactStore(),
          embedder: new WordEmbedder(64),
          vectorStore: new BruteForceVectorStore(128),
        }),
    ).toThrow(DimensionMismatchError);
  });
});
