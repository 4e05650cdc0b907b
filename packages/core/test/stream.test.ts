import { describe, expect, it } from 'vitest';
import {
  type CacheStream,
  type ChatChunk,
  MemoryExactStore,
  ModelError,
  SemanticCache,
  StandInChatModel,
} from '../src/index.js';
import { ask, BruteForceVectorStore, CountingModel, WordEmbedder } from './helpers.js';

async function collect(stream: CacheStream): Promise<{ text: string; chunks: ChatChunk[] }> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream.chunks) chunks.push(chunk);
  return { text: chunks.map((c) => c.delta).join(''), chunks };
}

function setup(model = new StandInChatModel({ delayMs: 0 })) {
  const exactStore = new MemoryExactStore();
  const embedder = new WordEmbedder();
  const cache = new SemanticCache({
    exactStore,
    vectorStore: new BruteForceVectorStore(embedder.dimension),
    embedder,
    model,
    minSimilarity: 0.8,
    ttlRules: [],
  });
  return { cache, exactStore, model };
}

describe('stream', () => {
  it('streams a miss, stores it once complete, then replays hits as chunks', async () => {
    const { cache, model } = setup();
    const prompt = 'what is the python programming language';
    const miss = await cache.stream(ask(prompt));
    expect(miss.source).toBe('model');
    const streamed = await collect(miss);
    expect(streamed.chunks.length).toBeGreaterThan(1);
    const result = await miss.result;
    expect(result).toMatchObject({ source: 'model', stored: true });
    expect(result.response.content).toBe(streamed.text);
    expect(result.response.usage?.totalTokens).toBeGreaterThan(0);

    const exact = await cache.stream(ask(prompt));
    expect(exact.source).toBe('exact');
    const replayed = await collect(exact);
    expect(replayed.text).toBe(streamed.text);
    expect(replayed.chunks.at(-1)?.finishReason).toBe('stop');
    expect(replayed.chunks.length).toBeGreaterThan(1);

    const semantic = await cache.stream(ask(`${prompt} exactly`));
    expect(semantic.source).toBe('semantic');
    expect(semantic.similarity).toBeGreaterThan(0.8);
    expect(semantic.matchedKey).toBe(result.key);
    expect((await collect(semantic)).text).toBe(streamed.text);
    expect(model.calls).toBe(1);
    expect((await cache.complete(ask(prompt))).source).toBe('exact');
  });

  it('completes and stores the answer even when the reader stops early', async () => {
    const { cache, exactStore } = setup();
    const s = await cache.stream(ask('a question with a long enough answer to span chunks'));
    for await (const _ of s.chunks) break;
    expect((await s.result).stored).toBe(true);
    expect(exactStore.keys()).toHaveLength(1);
  });

  it('an aborted or failing model stream stores nothing and rejects reader, result and joiners', async () => {
    const failing = {
      id: 'broken',
      complete: async () => {
        throw new Error('unused');
      },
      async *stream() {
        yield { delta: 'partial ' };
        await new Promise((r) => setImmediate(r));
        throw new Error('connection reset');
      },
    };
    const { cache, exactStore } = setup(failing as unknown as StandInChatModel);
    const s = await cache.stream(ask('q'));
    const joiner = cache.complete(ask('q'));
    const read: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of s.chunks) read.push(chunk.delta);
      })(),
    ).rejects.toBeInstanceOf(ModelError);
    expect(read).toEqual(['partial ']);
    await expect(s.result).rejects.toThrow(/connection reset/);
    await expect(joiner).rejects.toThrow(/connection reset/);
    expect(exactStore.keys()).toEqual([]);

    const { cache: c2, exactStore: e2 } = setup(new StandInChatModel({ delayMs: 50 }));
    const controller = new AbortController();
    const aborted = await c2.stream(ask('q'), { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(aborted.result).rejects.toThrow('client went away');
    expect(e2.keys()).toEqual([]);
  });

  it('bypasses the cache for non-cacheable requests', async () => {
    const { cache, exactStore } = setup();
    const s = await cache.stream(ask('q', { temperature: 1.2 }));
    expect(s.source).toBe('bypass');
    await collect(s);
    expect((await s.result).stored).toBe(false);
    expect(exactStore.keys()).toEqual([]);
  });

  it('works with a model that has no stream method', async () => {
    const { cache } = setup(new CountingModel() as unknown as StandInChatModel);
    const s = await cache.stream(ask('q'));
    expect((await collect(s)).text).toBe('answer v1: q');
    expect((await s.result).stored).toBe(true);
  });

  it('a concurrent complete joins a streaming miss instead of calling the model again', async () => {
    const { cache, model } = setup(new StandInChatModel({ delayMs: 5 }));
    const s = await cache.stream(ask('shared question'));
    const reading = collect(s);
    await new Promise((r) => setImmediate(r));
    const joined = cache.complete(ask('shared question'));
    const [{ text }, result] = await Promise.all([reading, joined]);
    expect(result.response.content).toBe(text);
    expect(result.shared).toBe(true);
    expect(model.calls).toBe(1);
  });
});
