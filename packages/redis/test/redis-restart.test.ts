import { describeWithServer, keyIn, makeEntry, randomScope } from '@cache/conformance';
import { StoreUnavailableError } from '@cache/core';
import { type PrivateServer, privateRedisSkipReason, startPrivateRedis } from '@cache/test-servers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisExactStore } from '../src/index.js';

describeWithServer('RedisExactStore across a Redis restart', privateRedisSkipReason(), () => {
  let server: PrivateServer;
  beforeAll(async () => {
    server = await startPrivateRedis();
  }, 30_000);
  afterAll(async () => {
    await server?.destroy();
  }, 30_000);

  it('fails fast while the server is down and works again once it is back, with the same store', async () => {
    const store = new RedisExactStore(server.url);
    const scope = randomScope();
    try {
      const before = keyIn(scope);
      await store.set(before, makeEntry(before, 'before'), { ttlMs: 60_000 });
      expect((await store.get(before))?.response.content).toBe('before');

      await server.stop();
      const down = await store.get(before).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(StoreUnavailableError);
      expect((down as StoreUnavailableError).retryable).toBe(true);
      const downSet = await store
        .set(before, makeEntry(before), { ttlMs: 60_000 })
        .catch((e: unknown) => e);
      expect(downSet).toBeInstanceOf(StoreUnavailableError);

      await server.start();
      // The first call after the restart: no new store, no manual reconnect.
      const after = keyIn(scope);
      await store.set(after, makeEntry(after, 'after'), { ttlMs: 60_000 });
      expect((await store.get(after))?.response.content).toBe('after');
      // The server ran without persistence, so what was stored before the restart is gone.
      expect(await store.get(before)).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);
});
