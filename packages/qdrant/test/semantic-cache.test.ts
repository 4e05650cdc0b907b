import { type Embedder, MemoryExactStore, SemanticCache } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantVectorStore } from '../src/index.js';
import { FakeQdrant } from './fake-qdrant.js';

/** Maps each text to a fixed vector: paraphrases share one, so the semantic layer must find it. */
class TableEmbedder implements Embedder {
  readonly id = 'table@4';
  readonly dimension = 4;
  calls = 0;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((t) =>
      /python/i.test(t) ? Float32Array.of(1, 0.1, 0, 0) : Float32Array.of(0, 0, 1, 0.2),
    );
  }
}

describe('QdrantVectorStore inside SemanticCache (fake server)', () => {
  let fake: FakeQdrant;
  beforeAll(async () => {
    fake = await FakeQdrant.start();
  });
  afterAll(() => fake.stop());

  it('serves a paraphrase from Qdrant and never crosses scopes', async () => {
    const vectorStore = new QdrantVectorStore({ url: fake.url, dimension: 4, collection: 'cache' });
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore,
      embedder: new TableEmbedder(),
      minSimilarity: 0.9,
    });
    const ask = (content: string) => ({
      model: 'm',
      messages: [{ role: 'user' as const, content }],
    });
    await cache.store(ask('What is Python?'), {
      content: 'A language.',
      model: 'm',
      finishReason: 'stop',
    });
    expect(fake.collections.get('cache')?.points.size).toBe(1);
    const hit = await cache.lookup(ask('Tell me what Python is'));
    expect(hit).toMatchObject({
      hit: true,
      source: 'semantic',
      response: { content: 'A language.' },
    });
    expect(hit.similarity).toBeCloseTo(1, 6);
    const otherTenant = await cache.lookup(ask('Tell me what Python is'), { tenant: 'other' });
    expect(otherTenant.hit).toBe(false);
    await cache.close();
  });
});
