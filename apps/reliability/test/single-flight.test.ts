import { describeWithServer } from '@cache/conformance';
import {
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  ModelError,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { afterAll, expect, it } from 'vitest';
import { BACKENDS, closeSharedDatabases } from './support/backends.js';
import { BagOfWordsEmbedder } from './support/bag-of-words-embedder.js';
import { ask } from './support/compose.js';
import { figure } from './support/figures.js';

afterAll(closeSharedDatabases);

const CALLERS = 1_000;

/** Fails its first call (after a short delay, so every caller has joined), then answers. */
class FailOnceModel implements ChatModel {
  readonly id = 'fail-once';
  calls = 0;
  async complete(request: ChatRequest): Promise<ChatResponse> {
    this.calls++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (this.calls === 1) throw new Error('upstream 503 (injected by the test)');
    const content = `answer to ${request.messages.at(-1)?.content}`;
    return { content, model: request.model, finishReason: 'stop' };
  }
}

for (const backend of BACKENDS) {
  describeWithServer(`single-flight: ${backend.label}`, backend.skip, () => {
    it(`${CALLERS} concurrent identical misses make exactly one model call`, async () => {
      const b = await backend.open();
      const model = new StandInChatModel({ delayMs: 50 });
      const embedder = new BagOfWordsEmbedder();
      const cache = new SemanticCache({
        exactStore: b.exactStore,
        vectorStore: b.vectorStore,
        embedder,
        model,
        ttlRules: [],
      });
      try {
        const request = ask('what is the boiling point of water at sea level');
        const results = await Promise.all(
          Array.from({ length: CALLERS }, () => cache.complete(request)),
        );
        expect(model.calls).toBe(1);
        const m = cache.metrics();
        expect(m.modelCalls).toBe(1);
        const contents = new Set(results.map((r) => r.response.content));
        expect(contents.size).toBe(1);
        expect(results.filter((r) => r.source === 'model' && !r.shared)).toHaveLength(1);
        expect(results.filter((r) => r.stored)).toHaveLength(1);
        // Everyone else joined the flight, or (arriving after the write) hit the entry.
        expect(m.sharedCalls + (m.bySource.exact ?? 0)).toBe(CALLERS - 1);
        figure(
          `single-flight (${backend.label})`,
          `${CALLERS} concurrent identical misses → ${model.calls} model call (${m.sharedCalls} joined the flight, ${m.bySource.exact ?? 0} exact hits)`,
        );
        expect((await cache.complete(request)).source).toBe('exact');
      } finally {
        await cache.close();
        await b.close();
      }
    }, 120_000);

    it('a failed model call rejects every waiter and caches nothing', async () => {
      const b = await backend.open();
      const model = new FailOnceModel();
      const embedder = new BagOfWordsEmbedder();
      const cache = new SemanticCache({
        exactStore: b.exactStore,
        vectorStore: b.vectorStore,
        embedder,
        model,
        ttlRules: [],
      });
      try {
        const before = await b.snapshot();
        const request = ask('which planet has the most moons right now');
        const { key, scope } = cache.keyOf(request);
        const settled = await Promise.allSettled(
          Array.from({ length: CALLERS }, () => cache.complete(request)),
        );
        expect(model.calls).toBe(1);
        const rejected = settled.filter((s) => s.status === 'rejected');
        expect(rejected).toHaveLength(CALLERS);
        for (const r of rejected) {
          expect(r.reason).toBeInstanceOf(ModelError);
          expect((r.reason as ModelError).message).toMatch(/upstream 503/);
        }
        expect(await b.exactStore.get(key)).toBeUndefined();
        expect(
          await b.vectorStore.search(embedder.vectorOf(request.messages[0]?.content ?? ''), {
            scope,
            k: 5,
            minSimilarity: -1,
          }),
        ).toEqual([]);
        expect(await b.snapshot()).toBe(before);
        figure(
          `single-flight failure (${backend.label})`,
          `${CALLERS} waiters, ${model.calls} model call, ${rejected.length} rejected with ModelError, 0 entries stored`,
        );
        // The failure is not remembered: the next call asks the model again.
        const retry = await cache.complete(request);
        expect(retry.source).toBe('model');
        expect(model.calls).toBe(2);
      } finally {
        await cache.close();
        await b.close();
      }
    }, 120_000);
  });
}
