import { describeWithServer } from '@cache/conformance';
import type { PgVectorStore } from '@cache/pgvector';
import { RedisExactStore, redisKeyOf } from '@cache/redis';
import { afterAll, expect, it } from 'vitest';
import { BACKENDS, closeSharedDatabases } from './support/backends.js';
import { ask, composeCache } from './support/compose.js';
import { figure } from './support/figures.js';

afterAll(closeSharedDatabases);

const reorder = (prompt: string) => prompt.split(' ').reverse().join(' ');

/** What a Redis value can be corrupted into. */
const GARBAGE: [string, Buffer][] = [
  ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x13, 0x37, 0xc3, 0x28, 0xa0, 0xa1])],
  ['invalid UTF-8 after the version', Buffer.concat([Buffer.from('1'), Buffer.from([0xc3, 0x28])])],
  ['truncated JSON', Buffer.from('1{"p":"what is', 'utf8')],
  ['JSON of the wrong shape', Buffer.from('1{"p":42,"r":"nope"}', 'utf8')],
  ['an unknown format version', Buffer.from('9{"p":"x"}', 'utf8')],
  ['an empty value', Buffer.alloc(0)],
  ['a JSON null body', Buffer.from('1null', 'utf8')],
];

for (const backend of BACKENDS.filter((b) => b.label.startsWith('redis'))) {
  describeWithServer(`corruption in Redis: ${backend.label}`, backend.skip, () => {
    it('garbage bytes in a Redis value are a miss, counted, and deleted; the next request repairs the entry', async () => {
      const b = await backend.open();
      const store = b.exactStore as RedisExactStore;
      expect(store).toBeInstanceOf(RedisExactStore);
      const { cache, model } = composeCache(b.exactStore, b.vectorStore);
      try {
        let i = 0;
        for (const [label, bytes] of GARBAGE) {
          const q = `what is corrupted value number ${i++}`;
          const stored = await cache.complete(ask(q));
          expect(stored.stored, label).toBe(true);
          const redisKey = redisKeyOf(store.prefix, stored.key as string);
          // Through the semantic layer: the paraphrase finds the vector, its entry is garbage.
          await store.client.set(redisKey, bytes);
          let before = store.corruptEntries;
          const semantic = await cache.lookup(ask(reorder(q)));
          expect(semantic.hit, label).toBe(false);
          expect(store.corruptEntries - before, label).toBe(1);
          expect(await store.client.exists(redisKey), label).toBe(0);
          const calls = model.calls;
          expect((await cache.complete(ask(q))).source, label).toBe('model');
          expect(model.calls).toBe(calls + 1);
          // Through the exact layer.
          await store.client.set(redisKey, bytes);
          before = store.corruptEntries;
          const exact = await cache.lookup(ask(q));
          expect(exact.hit, label).toBe(false);
          expect(store.corruptEntries - before, label).toBe(1);
          expect(await store.client.exists(redisKey), label).toBe(0);
          expect((await cache.complete(ask(q))).source, label).toBe('model');
          expect((await cache.complete(ask(q))).source, label).toBe('exact');
        }
        expect(store.corruptEntries).toBe(2 * GARBAGE.length);
        figure(
          `corruption (${backend.label})`,
          `${GARBAGE.length} kinds of garbage × 2 lookups: ${store.corruptEntries} misses counted and deleted, 0 served`,
        );
      } finally {
        await cache.close();
        await b.close();
      }
    });

    it('a well-formed value copied under another key is never served as that key’s answer', async () => {
      const b = await backend.open();
      const store = b.exactStore as RedisExactStore;
      const { cache } = composeCache(b.exactStore, b.vectorStore);
      try {
        const a = await cache.complete(ask('what is the capital of france'));
        const q = 'what is the capital of germany';
        const target = cache.keyOf(ask(q)).key;
        const raw = await store.client.getBuffer(redisKeyOf(store.prefix, a.key as string));
        await store.client.set(redisKeyOf(store.prefix, target), raw as Buffer, 'PX', 60_000);
        const r = await cache.complete(ask(q));
        expect(r.response.content).not.toBe(a.response.content);
        expect(r.source).toBe('model');
        expect(r.failures).toContain('redis:corrupt');
        expect(cache.metrics().errors['redis:corrupt']).toBe(1);
      } finally {
        await cache.close();
        await b.close();
      }
    });
  });
}

for (const backend of BACKENDS.filter((b) => b.label.includes('pgvector'))) {
  describeWithServer(`corruption in pgvector: ${backend.label}`, backend.skip, () => {
    it('a wrong-dimension row is skipped, counted and deleted; searches keep working', async () => {
      const b = await backend.open();
      const store = b.vectorStore as PgVectorStore;
      const sql = b.sql as NonNullable<typeof b.sql>;
      const table = b.table as string;
      const { cache } = composeCache(b.exactStore, b.vectorStore);
      try {
        const good = 'how many legs does a spider have';
        const victim = 'how many wings does a bee have';
        const g = await cache.complete(ask(good));
        const v = await cache.complete(ask(victim));
        // Someone loosens the column by hand and writes vectors of other dimensions: one under
        // a fresh key, one overwriting the vector of a real entry.
        await sql(`DROP INDEX IF EXISTS ${table}_embedding_hnsw`);
        await sql(`ALTER TABLE ${table} ALTER COLUMN embedding TYPE vector`);
        await sql(`INSERT INTO ${table} VALUES ($1, $2, '[1,2,3]', NULL)`, [
          `${g.scope}:${'9'.repeat(32)}`,
          g.scope,
        ]);
        await sql(`UPDATE ${table} SET embedding = '[0.5,0.5]' WHERE key = $1`, [v.key]);
        const before = store.corruptRecords;
        const hit = await cache.lookup(ask(reorder(good)));
        expect(hit.hit).toBe(true);
        expect(hit.source).toBe('semantic');
        expect(hit.matchedKey).toBe(g.key);
        expect(hit.failures).toEqual([]);
        expect(store.corruptRecords - before).toBe(2);
        const left = (await sql(`SELECT key FROM ${table} ORDER BY key`)) as { key: string }[];
        expect(left.map((r) => r.key)).toEqual([g.key]);
        // The victim lost its vector: its paraphrase is a miss, its exact prompt still a hit.
        expect((await cache.lookup(ask(reorder(victim)))).hit).toBe(false);
        expect((await cache.lookup(ask(victim))).source).toBe('exact');
        figure(
          `corruption (${backend.label})`,
          `2 wrong-dimension rows: skipped, ${store.corruptRecords - before} counted and deleted, searches unaffected`,
        );
      } finally {
        await cache.close();
        await b.close();
      }
    });
  });
}
