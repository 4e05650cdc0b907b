import { describe, expect, it } from 'vitest';
import {
  type CacheEntry,
  ClosedError,
  InvalidOptionError,
  InvalidRequestError,
  MemoryExactStore,
} from '../src/index.js';
import { Clock } from './helpers.js';

const scope = 'a'.repeat(32);
const other = 'b'.repeat(32);

function entry(key: string, now: number, ttlMs: number, content = 'hello'): CacheEntry {
  return {
    key,
    scope: key.split(':')[0] as string,
    prompt: 'p',
    response: { content, model: 'm', finishReason: 'stop' },
    createdAt: now,
    expiresAt: now + ttlMs,
  };
}

describe('MemoryExactStore', () => {
  it('stores, returns copies, and deletes', async () => {
    const clock = new Clock();
    const store = new MemoryExactStore({ now: clock.now });
    const key = `${scope}:1`;
    const e = entry(key, clock.t, 1000);
    await store.set(key, e, { ttlMs: 1000 });
    e.response.content = 'mutated after set';
    const got = await store.get(key);
    expect(got?.response.content).toBe('hello');
    if (got) got.response.content = 'mutated after get';
    expect((await store.get(key))?.response.content).toBe('hello');
    expect(await store.delete(key)).toBe(true);
    expect(await store.delete(key)).toBe(false);
    expect(await store.get(key)).toBeUndefined();
  });

  it('never returns an entry at or after its expiry', async () => {
    const clock = new Clock();
    const store = new MemoryExactStore({ now: clock.now });
    const key = `${scope}:1`;
    await store.set(key, entry(key, clock.t, 1000), { ttlMs: 1000 });
    clock.advance(999);
    expect(await store.get(key)).toBeDefined();
    clock.advance(1);
    expect(await store.get(key)).toBeUndefined();
    expect(store.keys()).toEqual([]);
  });

  it('caps expiry at the TTL given to set even when the entry claims longer', async () => {
    const clock = new Clock();
    const store = new MemoryExactStore({ now: clock.now });
    const key = `${scope}:1`;
    await store.set(key, entry(key, clock.t, 10_000), { ttlMs: 100 });
    clock.advance(100);
    expect(await store.get(key)).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = new MemoryExactStore({ maxEntries: 3 });
    const now = Date.now();
    for (const k of ['1', '2', '3'])
      await store.set(`${scope}:${k}`, entry(`${scope}:${k}`, now, 60_000), { ttlMs: 60_000 });
    await store.get(`${scope}:1`);
    await store.set(`${scope}:4`, entry(`${scope}:4`, now, 60_000), { ttlMs: 60_000 });
    expect(await store.get(`${scope}:2`)).toBeUndefined();
    expect(await store.get(`${scope}:1`)).toBeDefined();
    expect(await store.get(`${scope}:4`)).toBeDefined();
    expect(store.size).toBe(3);
  });

  it('clears one scope or everything', async () => {
    const store = new MemoryExactStore();
    const now = Date.now();
    for (const key of [`${scope}:1`, `${scope}:2`, `${other}:1`]) {
      await store.set(key, entry(key, now, 60_000), { ttlMs: 60_000 });
    }
    await store.clear(scope);
    expect(store.keys().sort()).toEqual([`${other}:1`]);
    await store.clear();
    expect(store.keys()).toEqual([]);
  });

  it('rejects bad keys, bad TTLs and unknown options without changing anything', async () => {
    const store = new MemoryExactStore();
    const now = Date.now();
    const key = `${scope}:1`;
    await store.set(key, entry(key, now, 60_000), { ttlMs: 60_000 });
    for (const ttlMs of [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 366 * 86_400_000]) {
      await expect(store.set(key, entry(key, now, 5, 'bad'), { ttlMs })).rejects.toBeInstanceOf(
        InvalidOptionError,
      );
    }
    await expect(store.get('no-scope')).rejects.toBeInstanceOf(InvalidRequestError);
    expect((await store.get(key))?.response.content).toBe('hello');
    expect(() => new MemoryExactStore({ maxEntries: 0 })).toThrow(InvalidOptionError);
    expect(() => new MemoryExactStore({ max: 3 } as never)).toThrow(
      /unknown option "max".*maxEntries/,
    );
  });

  it('rejects calls after close', async () => {
    const store = new MemoryExactStore();
    await store.close();
    await store.close();
    await expect(store.get(`${scope}:1`)).rejects.toBeInstanceOf(ClosedError);
  });
});
