import { randomBytes } from 'node:crypto';
import { describeWithServer, keyIn, makeEntry, randomScope } from '@cache/conformance';
import {
  ClosedError,
  CorruptEntryError,
  InvalidOptionError,
  InvalidRequestError,
  StoreUnavailableError,
} from '@cache/core';
import { freePort, privateRedisSkipReason, startPrivateCluster } from '@cache/test-servers';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  encodeEntry,
  RedisExactStore,
  redisKeyOf,
} from '../src/index.js';

const url = process.env.REDIS_URL;

describe('RedisExactStore options', () => {
  it('rejects a prefix with braces, which would break the hash tag', () => {
    expect(() => new RedisExactStore({ url: 'redis://127.0.0.1:1', prefix: 'a{b}' })).toThrow(
      InvalidOptionError,
    );
  });

  it('wants exactly one way to connect', () => {
    expect(() => new RedisExactStore({})).toThrow(InvalidOptionError);
    expect(
      () =>
        new RedisExactStore({
          url: 'redis://127.0.0.1:1',
          cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] },
        }),
    ).toThrow(InvalidOptionError);
  });

  it('lays out keys as prefix{scope}:digest', () => {
    expect(redisKeyOf('cache:', 'abc:def')).toBe('cache:{abc}:def');
  });
});

describe('RedisExactStore with nothing listening', () => {
  it('fails with a retryable StoreUnavailableError naming the target, instead of hanging', async () => {
    const port = await freePort();
    const store = new RedisExactStore(`redis://127.0.0.1:${port}`);
    try {
      const error = await store.get(keyIn(randomScope())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).retryable).toBe(true);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });
});

describeWithServer(
  'RedisExactStore on the Redis at REDIS_URL',
  url ? undefined : 'REDIS_URL is not set',
  () => {
    const prefix = `cachetest:${randomBytes(6).toString('hex')}:`;
    let raw: Redis;
    const stores: RedisExactStore[] = [];
    const open = (
      options: Partial<ConstructorParameters<typeof RedisExactStore>[0] & object> = {},
    ) => {
      const store = new RedisExactStore({ url, prefix, ...options });
      stores.push(store);
      return store;
    };

    beforeAll(() => {
      raw = new Redis(url as string);
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await raw.quit();
    });

    it('stores compactly, versioned, with a native expiry', async () => {
      const store = open();
      const key = keyIn(randomScope());
      await store.set(key, makeEntry(key), { ttlMs: 60_000 });
      const value = await raw.get(redisKeyOf(prefix, key));
      expect(value?.[0]).toBe(String(ENTRY_FORMAT_VERSION));
      expect(decodeEntry(key, value as string)).toEqual(makeEntryAt(key, value as string));
      expect((value as string).length).toBeLessThan(JSON.stringify(makeEntry(key)).length);
      const pttl = await raw.pttl(redisKeyOf(prefix, key));
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it('treats garbage bytes as a miss: counted, reported, deleted', async () => {
      const seen: CorruptEntryError[] = [];
      const store = open({ onCorruptEntry: (e) => seen.push(e) });
      const key = keyIn(randomScope());
      const redisKey = redisKeyOf(prefix, key);
      await raw.set(redisKey, Buffer.from([0xff, 0x00, 0x13, 0x37, 0xfe]), 'PX', 60_000);
      expect(await store.get(key)).toBeUndefined();
      expect(store.corruptEntries).toBe(1);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(CorruptEntryError);
      expect(await raw.exists(redisKey)).toBe(0);
      expect(await store.get(key)).toBeUndefined();
      expect(store.corruptEntries).toBe(1);
    });

    it('treats a value of an unknown future format version as a miss, not a crash', async () => {
      const store = open();
      const key = keyIn(randomScope());
      const redisKey = redisKeyOf(prefix, key);
      const future = `7${encodeEntry(makeEntry(key)).slice(1)}`;
      await raw.set(redisKey, future, 'PX', 60_000);
      expect(await store.get(key)).toBeUndefined();
      expect(store.corruptEntries).toBe(1);
      expect(await raw.exists(redisKey)).toBe(0);
      await store.set(key, makeEntry(key, 'fresh'), { ttlMs: 60_000 });
      expect((await store.get(key))?.response.content).toBe('fresh');
    });

    it('with a secret: a forged or copied value is a miss, counted and deleted', async () => {
      const secret = 'test secret of at least sixteen bytes';
      const store = open({ secret });
      const a = keyIn(randomScope());
      const b = keyIn(randomScope());
      await store.set(a, makeEntry(a, 'the real answer'), { ttlMs: 60_000 });
      expect((await store.get(a))?.response.content).toBe('the real answer');
      // An attacker with Redis access copies a's value under b, and writes an unsigned forgery.
      const value = await raw.get(redisKeyOf(prefix, a));
      await raw.set(redisKeyOf(prefix, b), value as string, 'PX', 60_000);
      expect(await store.get(b)).toBeUndefined();
      await raw.set(redisKeyOf(prefix, a), encodeEntry(makeEntry(a, 'forged')), 'PX', 60_000);
      expect(await store.get(a)).toBeUndefined();
      expect(store.forgedEntries).toBe(2);
      expect(store.corruptEntries).toBe(2);
      expect(await raw.exists(redisKeyOf(prefix, a), redisKeyOf(prefix, b))).toBe(0);
      expect(() => open({ secret: 'short' })).toThrow(/at least 16 bytes/);
    });

    it('rejects an entry whose scope is not its key scope', async () => {
      const store = open();
      const key = keyIn(randomScope());
      const entry = makeEntry(keyIn(randomScope()));
      await expect(store.set(key, entry, { ttlMs: 1000 })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    });

    it('does not close a client it was given, unless asked to', async () => {
      const client = new Redis(url as string);
      const store = new RedisExactStore({ client, prefix });
      const key = keyIn(randomScope());
      await store.set(key, makeEntry(key), { ttlMs: 60_000 });
      expect(await store.get(key)).toBeDefined();
      await store.close();
      await expect(store.get(key)).rejects.toBeInstanceOf(ClosedError);
      expect(await client.ping()).toBe('PONG');

      const owning = new RedisExactStore({ client, prefix, closeClient: true });
      expect(await owning.delete(key)).toBe(true);
      await owning.close();
      await expect(client.ping()).rejects.toThrow();
    });

    it('connects from ioredis options', async () => {
      const { hostname, port } = new URL(url as string);
      const store = open({ url: undefined, redisOptions: { host: hostname, port: Number(port) } });
      const key = keyIn(randomScope());
      await store.set(key, makeEntry(key), { ttlMs: 60_000 });
      expect((await store.get(key))?.key).toBe(key);
    });

    it('clear(scope) leaves keys outside the prefix alone', async () => {
      const store = open();
      const scope = randomScope();
      const foreign = `other:{${scope}}:x`;
      await raw.set(foreign, 'not ours', 'PX', 60_000);
      const key = keyIn(scope, 'a');
      await store.set(key, makeEntry(key), { ttlMs: 60_000 });
      await store.clear(scope);
      expect(await store.get(key)).toBeUndefined();
      expect(await raw.get(foreign)).toBe('not ours');
      await raw.del(foreign);
    });
  },
);

describeWithServer('RedisExactStore on a private Cluster', privateRedisSkipReason(), () => {
  let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
  beforeAll(async () => {
    cluster = await startPrivateCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('can clear as its very first call', async () => {
    const store = new RedisExactStore({
      cluster: { nodes: [{ host: '127.0.0.1', port: cluster.nodes[1]?.port as number }] },
      prefix: `cachetest:${randomBytes(6).toString('hex')}:`,
    });
    try {
      await store.clear(randomScope());
      await store.clear();
    } finally {
      await store.close();
    }
  });

  it('puts every key of a scope in one slot and spreads scopes over the masters', async () => {
    const prefix = `cachetest:${randomBytes(6).toString('hex')}:`;
    const store = new RedisExactStore({
      cluster: { nodes: [{ host: '127.0.0.1', port: cluster.nodes[0]?.port as number }] },
      prefix,
    });
    try {
      const scopes = Array.from({ length: 30 }, () => randomScope());
      const slotsOfScope = new Set<number>();
      for (const scope of scopes) {
        for (let i = 0; i < 3; i++) {
          const key = keyIn(scope);
          await store.set(key, makeEntry(key), { ttlMs: 60_000 });
          const slot = Number(
            await store.client.call('CLUSTER', 'KEYSLOT', redisKeyOf(prefix, key)),
          );
          if (scope === scopes[0]) slotsOfScope.add(slot);
        }
      }
      expect(slotsOfScope.size).toBe(1);
      const perMaster = await Promise.all(
        cluster.nodes.map(async (n) => {
          const c = new Redis(n.port, '127.0.0.1');
          const size = await c.dbsize();
          await c.quit();
          return size;
        }),
      );
      expect(perMaster.filter((n) => n > 0).length).toBe(3);
      await store.clear();
      for (const scope of scopes) expect(await store.get(keyIn(scope))).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

/** The conformance entry for `key` with the timestamps the stored `value` holds. */
function makeEntryAt(key: string, value: string) {
  const body = JSON.parse(value.slice(1)) as { c: number; e: number; x: number };
  return { ...makeEntry(key), createdAt: body.c, expiresAt: body.e, maxExpiresAt: body.x };
}
