import { randomBytes } from 'node:crypto';
import { describeWithServer } from '@cache/conformance';
import { CacheError, type ChatModel, StoreUnavailableError, TimeoutError } from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { RedisExactStore } from '@cache/redis';
import {
  type PrivateServer,
  privateRedisSkipReason,
  redisCli,
  startPrivateRedis,
} from '@cache/test-servers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ask, composeCache, prompts, storeFailures } from './support/compose.js';
import { figure } from './support/figures.js';

const OUTAGE_REQUESTS = 120;

describeWithServer(
  'fail-open on a real Redis that is killed, paused and restarted',
  privateRedisSkipReason(),
  () => {
    let redis: PrivateServer;
    beforeAll(async () => {
      redis = await startPrivateRedis();
    }, 30_000);
    afterAll(async () => {
      await redis?.destroy();
    }, 30_000);

    /** Restarts the server if an assertion failed while it was down, so later tests run. */
    const ensureUp = async () => {
      if ((await redisCli(redis.port, 'PING')) !== 'PONG') await redis.start();
    };

    const newStore = () =>
      new RedisExactStore({ url: redis.url, prefix: `rel:${randomBytes(4).toString('hex')}:` });

    it('answers every request from the model while Redis is down, counts the failures, and hits again after the restart with the same objects', async () => {
      const exactStore = newStore();
      const vectorStore = new LshVectorStore({ dimension: 64 });
      const { cache, model, failures } = composeCache(exactStore, vectorStore);
      try {
        const questions = prompts(30, 'redis outage');
        for (const q of questions) expect((await cache.complete(ask(q))).source).toBe('model');
        for (const q of questions) expect((await cache.complete(ask(q))).source).toBe('exact');
        // A reordered prompt is a semantic hit: the vector store points at Redis entries.
        const reordered = `${questions[0]?.split(' ').reverse().join(' ')}`;
        expect((await cache.complete(ask(reordered))).source).toBe('semantic');

        await redis.stop();
        cache.resetMetrics();
        const callsBefore = model.calls;
        const during = await Promise.allSettled(
          Array.from({ length: OUTAGE_REQUESTS }, (_, i) =>
            cache.complete(ask(`${questions[i % questions.length]} (asked again ${i})`)),
          ),
        );
        const answered = during.filter((r) => r.status === 'fulfilled');
        expect(answered).toHaveLength(OUTAGE_REQUESTS);
        for (const [i, r] of during.entries()) {
          if (r.status !== 'fulfilled') continue;
          expect(r.value.source).toBe('model');
          expect(r.value.stored).toBe(false);
          expect(r.value.failures).toContain('redis');
          expect(r.value.response.content).toContain(`asked again ${i}`);
        }
        // An entry that was a hit before the outage is answered too (from the model).
        const wasHit = await cache.complete(ask(questions[1] as string));
        expect(wasHit.source).toBe('model');
        // Streaming keeps answering as well.
        const stream = await cache.stream(ask(questions[2] as string));
        let streamed = '';
        for await (const chunk of stream.chunks) streamed += chunk.delta;
        expect((await stream.result).source).toBe('model');
        expect(streamed.length).toBeGreaterThan(0);

        const m = cache.metrics();
        const answeredTotal = answered.length + 2;
        expect(m.modelCalls).toBe(model.calls - callsBefore);
        expect(m.modelCalls).toBe(answeredTotal);
        // Each request failed at least its exact lookup and its store write.
        expect(storeFailures(m, 'redis')).toBeGreaterThanOrEqual(2 * answeredTotal);
        // The circuit breaker opened: most calls were skipped instead of waiting for Redis.
        expect(m.circuits.redis).toBe('open');
        expect(failures.some((f) => f.error instanceof StoreUnavailableError)).toBe(true);
        figure(
          'redis outage',
          `${answeredTotal}/${answeredTotal + (OUTAGE_REQUESTS - answered.length)} requests answered from the model, ${m.errors.redis} redis calls failed and ${m.errors['redis:circuit-open'] ?? 0} were skipped by the open circuit`,
        );

        await redis.start();
        // Same cache, same store, same client: the first request after the restart stores again
        // (the server ran without persistence) and the next one is an exact hit.
        const after = 'a question asked after the restart of redis';
        let first = await cache.complete(ask(after));
        for (let attempt = 0; attempt < 40 && !first.stored; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          first = await cache.complete(ask(after));
        }
        expect(first.stored).toBe(true);
        const second = await cache.complete(ask(after));
        expect(second.source).toBe('exact');
        expect(second.response).toEqual(first.response);
        for (const q of questions.slice(0, 5)) await cache.complete(ask(q));
        const semantic = await cache.complete(ask(reordered));
        expect(semantic.source).toBe('semantic');
      } finally {
        await cache.close();
        await ensureUp();
      }
    }, 120_000);

    it.each(['open', 'closed'] as const)(
      'failMode %s: Redis dies while the model is answering; the caller still gets the answer, nothing is half-written',
      async (failMode) => {
        const exactStore = newStore();
        const vectorStore = new LshVectorStore({ dimension: 64 });
        const killer: ChatModel = {
          id: 'killer',
          async complete(request) {
            // The lookups went through; Redis dies before the answer can be stored.
            await redis.stop();
            return { content: 'the answer', model: request.model, finishReason: 'stop' };
          },
        };
        const { cache } = composeCache(exactStore, vectorStore, { failMode, model: killer });
        try {
          const q = `a question whose answer cannot be stored (${failMode})`;
          const r = await cache.complete(ask(q));
          expect(r.source).toBe('model');
          expect(r.response.content).toBe('the answer');
          expect(r.stored).toBe(false);
          expect(r.failures).toContain('redis');
          expect(cache.metrics().errors.redis).toBeGreaterThanOrEqual(1);
          // The exact write failed first, so no vector points at a missing entry.
          expect(vectorStore.size).toBe(0);
        } finally {
          await cache.close();
          await ensureUp();
        }
      },
      60_000,
    );

    it("failMode 'closed' rejects with StoreUnavailableError while Redis is down, and works after the restart", async () => {
      const { cache, model } = composeCache(newStore(), new LshVectorStore({ dimension: 64 }), {
        failMode: 'closed',
      });
      try {
        await cache.complete(ask('closed mode warm-up question'));
        await redis.stop();
        const calls = model.calls;
        const error = await cache.complete(ask('closed mode question while down')).catch((e) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
        expect((error as StoreUnavailableError).retryable).toBe(true);
        expect((error as Error).message).toMatch(/redis/i);
        expect(model.calls).toBe(calls);
        // A lookup while the client is between reconnect attempts may hit the cache's own
        // timeout first: either way a typed, retryable CacheError.
        const lookup = await cache.lookup(ask('closed mode warm-up question')).catch((e) => e);
        expect(lookup).toBeInstanceOf(CacheError);
        expect(['STORE_UNAVAILABLE', 'TIMEOUT']).toContain((lookup as CacheError).code);
        expect((lookup as CacheError).retryable).toBe(true);
        await redis.start();
        let result: unknown;
        for (let attempt = 0; attempt < 40; attempt++) {
          result = await cache.complete(ask('closed mode question after restart')).catch((e) => e);
          if (!(result instanceof CacheError)) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(result).not.toBeInstanceOf(Error);
        expect((await cache.complete(ask('closed mode question after restart'))).source).toBe(
          'exact',
        );
      } finally {
        await cache.close();
        await ensureUp();
      }
    }, 60_000);

    it('a hung Redis (SIGSTOP) hits the per-store timeout: open answers from the model, closed throws TimeoutError', async () => {
      const exactStore = newStore();
      const open = composeCache(exactStore, new LshVectorStore({ dimension: 64 }), {
        timeouts: { exactStoreMs: 200, vectorStoreMs: 200 },
      });
      const closed = composeCache(exactStore, new LshVectorStore({ dimension: 64 }), {
        timeouts: { exactStoreMs: 200 },
        failMode: 'closed',
      });
      try {
        await open.cache.complete(ask('hung server question'));
        expect((await open.cache.complete(ask('hung server question'))).source).toBe('exact');
        await redis.pause();
        try {
          open.cache.resetMetrics();
          const results = await Promise.all(
            prompts(10, 'hung').map((q) => open.cache.complete(ask(q))),
          );
          for (const r of results) {
            expect(r.source).toBe('model');
            expect(r.failures).toContain('redis');
          }
          const hung = await open.cache.complete(ask('hung server question'));
          expect(hung.source).toBe('model');
          expect(storeFailures(open.cache.metrics(), 'redis')).toBeGreaterThanOrEqual(22);
          expect(open.failures.some((f) => f.error instanceof TimeoutError)).toBe(true);
          const error = await closed.cache.complete(ask('hung closed question')).catch((e) => e);
          expect(error).toBeInstanceOf(TimeoutError);
          expect((error as TimeoutError).code).toBe('TIMEOUT');
          figure(
            'redis paused (SIGSTOP)',
            `11/11 requests answered from the model, ${open.cache.metrics().errors.redis} timeouts counted, ${open.cache.metrics().errors['redis:circuit-open'] ?? 0} calls skipped by the open circuit`,
          );
        } finally {
          await redis.resume();
        }
        let source = '';
        for (let attempt = 0; attempt < 40 && source !== 'exact'; attempt++) {
          source = (await open.cache.complete(ask('hung server question'))).source;
          if (source !== 'exact') await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(source).toBe('exact');
      } finally {
        await open.cache.close();
        await closed.cache.close();
      }
    }, 60_000);
  },
);
