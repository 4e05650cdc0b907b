import { describeWithServer } from '@cache/conformance';
import {
  type CacheEntry,
  type ExactStore,
  StoreUnavailableError,
  type VectorStore,
} from '@cache/core';
import { afterAll, expect, it } from 'vitest';
import { BACKENDS, closeSharedDatabases, DIMENSION } from './support/backends.js';
import { BagOfWordsEmbedder } from './support/bag-of-words-embedder.js';
import { ask, composeCache } from './support/compose.js';

afterAll(closeSharedDatabases);

const reorder = (prompt: string) => prompt.split(' ').reverse().join(' ');
const embedder = new BagOfWordsEmbedder(DIMENSION);

/** A store whose writes fail while `failing` is set (the server died between lookup and store). */
function failingWrites<T extends ExactStore | VectorStore>(store: T, method: 'set' | 'upsert') {
  const state = { failing: false, failed: 0 };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === method) {
        return async (...args: unknown[]) => {
          if (state.failing) {
            state.failed++;
            throw new StoreUnavailableError(store.name, 'connection lost (injected by the test)');
          }
          return (target[method as keyof T] as (...a: unknown[]) => Promise<void>).apply(
            target,
            args,
          );
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, state };
}

for (const backend of BACKENDS) {
  describeWithServer(`nothing lost, nothing half-served: ${backend.label}`, backend.skip, () => {
    it.each(['open', 'closed'] as const)(
      'failMode %s: when storing fails after the model answered, the caller still gets the answer',
      async (failMode) => {
        const b = await backend.open();
        const exact = failingWrites(b.exactStore, 'set');
        const vec = failingWrites(b.vectorStore, 'upsert');
        const { cache } = composeCache(exact.store, vec.store, { failMode });
        try {
          exact.state.failing = true;
          const q = `what does ${failMode} mode do when the write fails`;
          const r = await cache.complete(ask(q));
          expect(r.source).toBe('model');
          expect(r.response.content).toContain(q);
          expect(r.stored).toBe(false);
          expect(r.failures).toContain(b.exactStore.name);
          expect(exact.state.failed).toBe(1);
          // Nothing half-written: no entry, and no vector pointing at a missing entry.
          expect(await b.exactStore.get(r.key as string)).toBeUndefined();
          const found = await b.vectorStore.search(embedder.vectorOf(q), {
            scope: r.scope as string,
            k: 5,
            minSimilarity: 0.5,
          });
          expect(found).toEqual([]);
          exact.state.failing = false;

          // The vector write fails: the entry is an exact hit, its paraphrase a plain miss.
          vec.state.failing = true;
          const q2 = `what does ${failMode} mode do when the index write fails`;
          const r2 = await cache.complete(ask(q2));
          expect(r2.source).toBe('model');
          expect(r2.failures).toContain(b.vectorStore.name);
          vec.state.failing = false;
          expect((await cache.complete(ask(q2))).source).toBe('exact');
          // Its paraphrase is a miss, or (once the cache re-indexed the owed vector) a semantic
          // hit on that very entry: never another answer.
          const para = await cache.complete(ask(reorder(q2)));
          if (para.source === 'semantic') expect(para.matchedKey).toBe(r2.key);
          else expect(para.source).toBe('model');
          expect(cache.metrics().errors[b.exactStore.name]).toBe(1);
          expect(cache.metrics().errors[b.vectorStore.name]).toBe(1);
        } finally {
          await cache.close();
          await b.close();
        }
      },
    );

    it('a vector record whose entry is missing from the exact store never produces a hit and is cleaned', async () => {
      const b = await backend.open();
      const { cache } = composeCache(b.exactStore, b.vectorStore);
      try {
        const q = 'how far away is the moon from the earth';
        const stored = await cache.complete(ask(q));
        expect(stored.stored).toBe(true);
        expect((await cache.complete(ask(reorder(q)))).source).toBe('semantic');
        // The exact store lost the entry (evicted, flushed, written by a crashed process).
        await b.exactStore.delete(stored.key as string);
        // And a record that points at a key the exact store never held, in the same scope.
        const ghost = `${stored.scope}:${'f'.repeat(32)}`;
        await b.vectorStore.upsert([
          { key: ghost, scope: stored.scope as string, vector: embedder.vectorOf(`${q} ghost`) },
        ]);
        const before = cache.metrics().orphansCleaned;
        const lookup = await cache.lookup(ask(reorder(q)));
        expect(lookup.hit).toBe(false);
        expect(lookup.rejected.map((r) => r.key)).toContain(stored.key);
        const ghostLookup = await cache.lookup(ask(`${q} ghost`));
        expect(ghostLookup.hit).toBe(false);
        expect(cache.metrics().orphansCleaned - before).toBe(2);
        const left = await b.vectorStore.search(embedder.vectorOf(q), {
          scope: stored.scope as string,
          k: 10,
          minSimilarity: -1,
        });
        expect(left.map((m) => m.key)).not.toContain(stored.key);
        expect(left.map((m) => m.key)).not.toContain(ghost);
        // Asking again calls the model and repairs both stores.
        expect((await cache.complete(ask(q))).source).toBe('model');
        expect((await cache.complete(ask(reorder(q)))).source).toBe('semantic');
      } finally {
        await cache.close();
        await b.close();
      }
    });

    it('an entry is served up to the last millisecond before expiresAt and never at or after it (exact and semantic)', async () => {
      const clock = { t: Date.now() };
      const now = () => clock.t;
      const b = await backend.open(now);
      const { cache } = composeCache(b.exactStore, b.vectorStore, { now });
      try {
        const ttlMs = 60_000;
        const t0 = clock.t;
        const q = 'when does this cached answer expire exactly';
        const stored = await cache.complete(ask(q), { ttlMs });
        expect(stored.stored).toBe(true);
        const entry = (await b.exactStore.get(stored.key as string)) as CacheEntry;
        expect(entry.expiresAt).toBe(t0 + ttlMs);

        clock.t = t0 + ttlMs - 1;
        expect((await cache.lookup(ask(q))).source).toBe('exact');
        expect((await cache.lookup(ask(reorder(q)))).source).toBe('semantic');
        const direct = await b.vectorStore.search(embedder.vectorOf(q), {
          scope: stored.scope as string,
          k: 5,
          minSimilarity: 0.5,
        });
        expect(direct.map((m) => m.key)).toContain(stored.key);

        clock.t = t0 + ttlMs;
        expect((await cache.lookup(ask(q))).hit).toBe(false);
        expect((await cache.lookup(ask(reorder(q)))).hit).toBe(false);
        const atBoundary = await b.vectorStore.search(embedder.vectorOf(q), {
          scope: stored.scope as string,
          k: 5,
          minSimilarity: 0.5,
        });
        expect(atBoundary.map((m) => m.key)).not.toContain(stored.key);
        clock.t = t0 + ttlMs + 1;
        const again = await cache.complete(ask(q));
        expect(again.source).toBe('model');
      } finally {
        await cache.close();
        await b.close();
      }
    });

    it('on the real clock, no lookup that starts at or after expiresAt is ever a hit', async () => {
      const b = await backend.open();
      const { cache } = composeCache(b.exactStore, b.vectorStore);
      try {
        const q = 'a short lived answer on the real clock';
        const stored = await cache.complete(ask(q), { ttlMs: 150 });
        expect(stored.stored).toBe(true);
        const entry = await b.exactStore.get(stored.key as string);
        const expiresAt = entry?.expiresAt ?? 0;
        let late = 0;
        let hits = 0;
        let misses = 0;
        while (misses < 5) {
          const started = Date.now();
          const [exact, semantic] = await Promise.all([
            cache.lookup(ask(q)),
            cache.lookup(ask(reorder(q))),
          ]);
          for (const r of [exact, semantic]) {
            if (r.hit) hits++;
            if (r.hit && started >= expiresAt) late++;
          }
          if (!exact.hit && !semantic.hit && started >= expiresAt) misses++;
        }
        expect(late).toBe(0);
        expect(hits).toBeGreaterThan(0);
      } finally {
        await cache.close();
        await b.close();
      }
    });

    it('store level, real clock: the exact store never returns an entry at or after its expiresAt', async () => {
      const b = await backend.open();
      try {
        const scope = 'e'.repeat(32);
        let late = 0;
        let reads = 0;
        for (let i = 0; i < 40; i++) {
          const key = `${scope}:${String(i).padStart(32, '0')}`;
          const now = Date.now();
          const ttlMs = 15;
          await b.exactStore.set(
            key,
            {
              key,
              scope,
              prompt: `p${i}`,
              response: { content: `c${i}`, model: 'm', finishReason: 'stop' },
              createdAt: now,
              expiresAt: now + ttlMs,
            },
            { ttlMs },
          );
          for (;;) {
            const started = Date.now();
            const entry = await b.exactStore.get(key);
            if (entry === undefined) break;
            reads++;
            if (started >= entry.expiresAt) late++;
          }
        }
        expect(reads).toBeGreaterThan(0);
        expect(late).toBe(0);
      } finally {
        await b.close();
      }
    });
  });
}
