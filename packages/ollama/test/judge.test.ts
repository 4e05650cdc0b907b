import {
  cosineSimilarity,
  type HitGuard,
  JUDGE_SYSTEM_PROMPT,
  judgeRequest,
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaChatModel, OllamaEmbedder } from '../src/index.js';
import { FakeOllama } from './fake-ollama.js';

const CHAT = '/api/chat';

/** A guard unsure of every candidate: score 0.6, inside the judge's band, no hard conflict. */
const unsureGuard: HitGuard = {
  id: 'unsure',
  judge: () => ({ accept: true, reasons: [], score: 0.6, vetoed: false }),
};

/** Brute-force vectors in a map, just enough for a semantic layer in this test. */
class MapVectorStore implements VectorStore {
  readonly name = 'map';
  readonly #records = new Map<string, VectorRecord>();
  constructor(readonly dimension: number) {}
  async upsert(records: readonly VectorRecord[]): Promise<void> {
    for (const r of records) this.#records.set(r.key, r);
  }
  async search(vector: Float32Array, o: VectorSearchOptions): Promise<VectorMatch[]> {
    return [...this.#records.values()]
      .filter((r) => r.scope === o.scope)
      .map((r) => ({ key: r.key, similarity: cosineSimilarity(vector, r.vector) }))
      .filter((m) => m.similarity >= o.minSimilarity)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, o.k);
  }
  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.#records.delete(k);
  }
  async clear(): Promise<void> {
    this.#records.clear();
  }
  async close(): Promise<void> {}
}

/** Ollama's non-streamed chat answer saying `content`. */
function answer(content: string): string {
  return JSON.stringify({
    model: 'qwen2.5:0.5b',
    created_at: '2026-01-01T00:00:00Z',
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 90,
    eval_count: 1,
  });
}

describe('OllamaChatModel as the judge', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    fake = await FakeOllama.start();
  });
  afterAll(() => fake.stop());

  it('sends the fixed yes/no prompt; no refuses the candidate, yes serves it', async () => {
    const embedder = new OllamaEmbedder({ baseUrl: fake.url, model: 'all-minilm' });
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new MapVectorStore(embedder.dimension),
      embedder,
      model: new StandInChatModel({ delayMs: 0 }),
      guard: unsureGuard,
      minSimilarity: 0.5,
      judge: {
        model: new OllamaChatModel({ baseUrl: fake.url, baseDelayMs: 1 }),
        modelName: 'qwen2.5:0.5b',
        band: { low: 0.3, high: 0.9 },
      },
    });
    const ask = (content: string) => ({
      model: 'llama3.2',
      messages: [{ role: 'user' as const, content }],
    });
    await cache.complete(ask('How do I reset my router password'));

    fake.failNext(CHAT, { status: 200, body: answer('No.') });
    const no = await cache.lookup(ask('How do I reset my router password please'));
    expect(no.source).toBe('miss');
    expect(no.rejected[0]?.reasons).toEqual(['judge: no']);
    const sent = judgeRequest(
      'How do I reset my router password please',
      'How do I reset my router password',
      'qwen2.5:0.5b',
      4,
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'qwen2.5:0.5b',
      stream: false,
      options: { temperature: 0, num_predict: 4 },
      messages: [
        { role: 'system', content: JUDGE_SYSTEM_PROMPT },
        { role: 'user', content: sent.messages[1]?.content },
      ],
    });

    fake.failNext(CHAT, { status: 200, body: answer('yes') });
    const yes = await cache.lookup(ask('How do I reset my router password quickly'));
    expect(yes.source).toBe('semantic');
    expect(fake.count(CHAT)).toBe(2);
    expect(cache.metrics().judge).toMatchObject({ calls: 2, accepted: 1, rejected: 1 });
    await cache.close();
  });
});
