import { randomBytes } from 'node:crypto';
import { describeWithServer } from '@cache/conformance';
import { CacheError, StoreUnavailableError, TimeoutError } from '@cache/core';
import { PgVectorStore } from '@cache/pgvector';
import { RedisExactStore } from '@cache/redis';
import {
  type PrivateServer,
  privatePostgresSkipReason,
  privateRedisSkipReason,
  startPrivatePostgres,
  startPrivateRedis,
} from '@cache/test-servers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ask, composeCache, prompts, storeFailures } from './support/compose.js';
import { figure } from './support/figures.js';

const OUTAGE_REQUESTS = 120;

/** The reordered form of a prompt: the same bag of words, so a semantic (not exact) hit. */
const reorder = (prompt: string) => prompt.split(' ').reverse().join(' ');

describeWithServer(
  'fail-open on a real PostgreSQL + pgvector that is killed, paused and restarted',
  privatePostgresSkipReason() ?? privateRedisSkipReason(),
  () => {
    let pg: PrivateServer;
    let redis: PrivateServer;
    beforeAll(async () => {
      [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([pg?.destroy(), redis?.destroy()]);
    }, 60_000);

    const ensureUp = async () => {
      await pg.resume();
      const probe = new PgVectorStore({ connectionString: pg.url, dimension: 64 });
      try {
        await probe.init();
      } catch {
        await pg.start();
      } finally {
        await probe.close();
      }
    };

    const stores = () => ({
      exactStore: new RedisExactStore({
        url: redis.url,
        prefix: `rel:${randomBytes(4).toString('hex')}:`,
      }),
      vectorStore: new PgVectorStore({
        connectionString: pg.url,
        dimension: 64,
        table: `rel_${randomBytes(4).toString('hex')}`,
        poolConfig: { connectionTimeoutMillis: 1_000 },
      }),
    });

    it('answers every request while PostgreSQL is down, counts the failures, and serves semantic hits again after the restart with the same objects', async () => {
      const { exactStore, vectorStore } = stores();
      const { cache, model, failures } = composeCache(exactStore, vectorStore);
      try {
        const questions = prompts(30, 'postgres outage');
        for (const q of questions) expect((await cache.complete(ask(q))).source).toBe('model');
        for (const q of questions) {
          expect((await cache.complete(ask(reorder(q)))).source).toBe('semantic');
        }

        await pg.stop();
        cache.resetMetrics();
        const callsBefore = model.calls;
        const during = await Promise.allSettled(
          Array.from({ length: OUTAGE_REQUESTS }, (_, i) => {
            const q = questions[i % questions.length] as string;
            // Half paraphrases (would be semantic hits), half new questions.
            return cache.complete(ask(i % 2 === 0 ? reorder(q) : `${q} (new ${i})`));
          }),
        );
        const answered = during.filter((r) => r.status === 'fulfilled');
        expect(answered).toHaveLength(OUTAGE_REQUESTS);
        for (const r of during) {
          if (r.status !== 'fulfilled') continue;
          expect(r.value.source).toBe('model');
          // A caller that joined another's in-flight miss reports no failure of its own.
          if (!r.value.shared) expect(r.value.failures).toContain('pgvector');
        }
        // Exact hits do not need PostgreSQL and keep being served.
        expect((await cache.complete(ask(questions[0] as string))).source).toBe('exact');
        const m = cache.metrics();
        expect(m.modelCalls).toBe(model.calls - callsBefore);
        expect(storeFailures(m, 'pgvector')).toBeGreaterThanOrEqual(m.modelCalls);
        expect(failures.some((f) => f.error instanceof StoreUnavailableError)).toBe(true);
        figure(
          'postgres outage',
          `${answered.length + 1}/${OUTAGE_REQUESTS + 1} requests answered (${m.modelCalls} model calls, ${m.sharedCalls} joined an in-flight call, ${m.bySource.exact} exact hit), ${m.errors.pgvector} pgvector calls failed and ${m.errors['pgvector:circuit-open'] ?? 0} were skipped by the open circuit`,
        );

        await pg.start();
        // The vectors written before the outage survived the crash: paraphrases hit again.
        let source = '';
        for (let attempt = 0; attempt < 40 && source !== 'semantic'; attempt++) {
          // noStore: a probe answered by the model while the circuit is still open must not
          // become an exact entry of the paraphrase.
          source = (await cache.complete(ask(reorder(questions[1] as string)), { noStore: true }))
            .source;
          if (source !== 'semantic') await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(source).toBe('semantic');
        // And new entries are indexed again.
        const fresh = 'a question first asked after postgres came back';
        expect((await cache.complete(ask(fresh))).stored).toBe(true);
        expect((await cache.complete(ask(reorder(fresh)))).source).toBe('semantic');
      } finally {
        await cache.close();
        await ensureUp();
      }
    }, 120_000);

    it("failMode 'closed' rejects with a typed error while PostgreSQL is down", async () => {
      const { exactStore, vectorStore } = stores();
      const { cache, model } = composeCache(exactStore, vectorStore, { failMode: 'closed' });
      try {
        await cache.complete(ask('closed mode warm-up question for postgres'));
        await pg.stop();
        const calls = model.calls;
        const error = await cache
          .complete(ask('closed mode question while postgres is down'))
          .catch((e) => e);
        expect(error).toBeInstanceOf(CacheError);
        expect(['STORE_UNAVAILABLE', 'TIMEOUT']).toContain((error as CacheError).code);
        expect((error as CacheError).retryable).toBe(true);
        expect(model.calls).toBe(calls);
        // The exact layer does not need PostgreSQL.
        expect(
          (await cache.complete(ask('closed mode warm-up question for postgres'))).source,
        ).toBe('exact');
      } finally {
        await cache.close();
        await ensureUp();
      }
    }, 60_000);

    it('a hung PostgreSQL (SIGSTOP) hits the vector-store timeout: open answers from the model, closed throws TimeoutError', async () => {
      const open = stores();
      const o = composeCache(open.exactStore, open.vectorStore, {
        timeouts: { vectorStoreMs: 300 },
      });
      const closedStores = stores();
      const c = composeCache(closedStores.exactStore, closedStores.vectorStore, {
        timeouts: { vectorStoreMs: 300 },
        failMode: 'closed',
      });
      try {
        const q = 'what happens when the database hangs';
        await o.cache.complete(ask(q));
        await c.cache.complete(ask(q));
        expect((await o.cache.complete(ask(reorder(q)))).source).toBe('semantic');
        await pg.pause();
        try {
          o.cache.resetMetrics();
          const results = await Promise.all(
            prompts(10, 'hung postgres').map((p) => o.cache.complete(ask(p))),
          );
          for (const r of results) {
            expect(r.source).toBe('model');
            expect(r.failures).toContain('pgvector');
          }
          expect(storeFailures(o.cache.metrics(), 'pgvector')).toBeGreaterThanOrEqual(10);
          expect(o.failures.some((f) => f.error instanceof TimeoutError)).toBe(true);
          const error = await c.cache
            .complete(ask('hung closed postgres question'))
            .catch((e) => e);
          expect(error).toBeInstanceOf(TimeoutError);
          figure(
            'postgres paused (SIGSTOP)',
            `10/10 requests answered from the model, ${o.cache.metrics().errors.pgvector} pgvector timeouts counted`,
          );
        } finally {
          await pg.resume();
        }
        let source = '';
        for (let attempt = 0; attempt < 40 && source !== 'semantic'; attempt++) {
          source = (await o.cache.complete(ask(reorder(q)), { noStore: true })).source;
          if (source !== 'semantic') await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(source).toBe('semantic');
      } finally {
        await o.cache.close();
        await c.cache.close();
        await ensureUp();
      }
    }, 60_000);
  },
);
