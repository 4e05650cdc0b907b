import { describeWithServer, keyIn, randomScope, TestRandom } from '@cache/conformance';
import { StoreUnavailableError } from '@cache/core';
import {
  type PrivateServer,
  privatePostgresSkipReason,
  startPrivatePostgres,
} from '@cache/test-servers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgVectorStore, VectorExtensionMissingError } from '../src/index.js';

describeWithServer(
  'PgVectorStore on a private PostgreSQL that restarts',
  privatePostgresSkipReason(),
  () => {
    let server: PrivateServer;
    beforeAll(async () => {
      server = await startPrivatePostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.destroy();
    }, 60_000);

    it('fails setup with VectorExtensionMissingError when it may not create the extension', async () => {
      const error = await PgVectorStore.create({
        connectionString: server.url,
        dimension: 4,
        createExtension: false,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VectorExtensionMissingError);
      expect((error as VectorExtensionMissingError).retryable).toBe(false);
      expect((error as Error).message).toMatch(/CREATE EXTENSION vector/);
    }, 60_000);

    it('serves the first call after the server is back, with the same store', async () => {
      const rng = new TestRandom(7);
      const store = new PgVectorStore({ connectionString: server.url, dimension: 8 });
      const scope = randomScope();
      const before = keyIn(scope, 'before');
      const v = rng.unit(8);
      try {
        await store.upsert([{ key: before, scope, vector: v }]);
        expect((await store.search(v, { scope, k: 1, minSimilarity: 0.9 }))[0]?.key).toBe(before);

        await server.stop();
        const down = await store
          .search(v, { scope, k: 1, minSimilarity: 0.9 })
          .catch((e: unknown) => e);
        expect(down).toBeInstanceOf(StoreUnavailableError);
        expect((down as StoreUnavailableError).retryable).toBe(true);
        const downUpsert = await store
          .upsert([{ key: keyIn(scope), scope, vector: v }])
          .catch((e: unknown) => e);
        expect(downUpsert).toBeInstanceOf(StoreUnavailableError);

        await server.start();
        // The first call after the restart: no new store, no manual reconnect.
        const matches = await store.search(v, { scope, k: 1, minSimilarity: 0.9 });
        expect(matches.map((m) => m.key)).toEqual([before]);
        const after = keyIn(scope, 'after');
        const w = rng.unit(8);
        await store.upsert([{ key: after, scope, vector: w }]);
        expect((await store.search(w, { scope, k: 1, minSimilarity: 0.9 }))[0]?.key).toBe(after);
      } finally {
        await store.close();
      }
    }, 120_000);
  },
);
