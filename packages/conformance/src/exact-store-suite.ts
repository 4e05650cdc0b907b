import {
  CacheError,
  ClosedError,
  type ExactStore,
  InvalidOptionError,
  InvalidRequestError,
} from '@cache/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ExactStoreSuiteOptions } from './options.js';
import { DEFAULT_TIMEOUT_MS, suiteFrame } from './suite-frame.js';
import { keyIn, makeEntry, randomScope, sleep } from './test-data.js';

/**
 * Declares the exact-store conformance suite: get/set/delete/clear (all and by scope), TTL
 * expiry, scope isolation, large and unicode values, concurrent sets, TTL validation and close.
 * `factory` is called before every test for a fresh store, which is closed after it. The suite
 * calls `clear()` without a scope, so the factory must give a store whose "everything" is its own
 * namespace (a private key prefix, database or table), never data of other users.
 */
export function exactStoreSuite(
  name: string,
  factory: () => ExactStore | Promise<ExactStore>,
  options: ExactStoreSuiteOptions = {},
): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const shortTtlMs = options.shortTtlMs ?? 200;
  const graceMs = options.expiryGraceMs ?? 300;
  const largeBytes = options.largeValueBytes ?? 1024 * 1024;
  const concurrentSets = options.concurrentSets ?? 200;

  suiteFrame(`exact store conformance: ${name}`, options, () => {
    let store: ExactStore;
    let scope: string;

    beforeEach(async () => {
      store = await factory();
      scope = randomScope();
    }, timeout);

    afterEach(async () => {
      await store?.close();
    }, timeout);

    it('has a non-empty name', () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it(
      'returns undefined for a missing key',
      async () => {
        expect(await store.get(keyIn(scope))).toBeUndefined();
      },
      timeout,
    );

    it(
      'returns what was set, field for field',
      async () => {
        const key = keyIn(scope);
        const entry = makeEntry(key);
        await store.set(key, entry, { ttlMs: 60_000 });
        expect(await store.get(key)).toEqual(entry);
      },
      timeout,
    );

    it(
      'keeps an entry without optional fields as it was',
      async () => {
        const key = keyIn(scope);
        const { maxExpiresAt: _m, metadata: _d, ...rest } = makeEntry(key);
        const entry = { ...rest, response: { ...rest.response, usage: undefined } };
        delete entry.response.usage;
        await store.set(key, entry, { ttlMs: 60_000 });
        const got = await store.get(key);
        expect(got).toEqual(entry);
        expect(got && 'maxExpiresAt' in got && got.maxExpiresAt !== undefined).toBe(false);
      },
      timeout,
    );

    it(
      'replaces an entry on a second set',
      async () => {
        const key = keyIn(scope);
        await store.set(key, makeEntry(key, 'first'), { ttlMs: 60_000 });
        await store.set(key, makeEntry(key, 'second'), { ttlMs: 60_000 });
        expect((await store.get(key))?.response.content).toBe('second');
      },
      timeout,
    );

    it(
      'delete removes the key and says whether something was removed',
      async () => {
        const key = keyIn(scope);
        const other = keyIn(scope);
        await store.set(key, makeEntry(key), { ttlMs: 60_000 });
        await store.set(other, makeEntry(other), { ttlMs: 60_000 });
        expect(await store.delete(key)).toBe(true);
        expect(await store.get(key)).toBeUndefined();
        expect(await store.delete(key)).toBe(false);
        expect(await store.delete(keyIn(scope))).toBe(false);
        expect(await store.get(other)).toBeDefined();
      },
      timeout,
    );

    it(
      'clear(scope) removes that scope only',
      async () => {
        const otherScope = randomScope();
        const a1 = keyIn(scope);
        const a2 = keyIn(scope);
        const b1 = keyIn(otherScope);
        for (const key of [a1, a2, b1]) await store.set(key, makeEntry(key), { ttlMs: 60_000 });
        await store.clear(scope);
        expect(await store.get(a1)).toBeUndefined();
        expect(await store.get(a2)).toBeUndefined();
        expect(await store.get(b1)).toEqual(makeEntryLike(b1));
        await store.clear(otherScope);
        expect(await store.get(b1)).toBeUndefined();
      },
      timeout,
    );

    it(
      'clear() removes every scope',
      async () => {
        const otherScope = randomScope();
        const keys = [keyIn(scope), keyIn(scope), keyIn(otherScope)];
        for (const key of keys) await store.set(key, makeEntry(key), { ttlMs: 60_000 });
        await store.clear();
        for (const key of keys) expect(await store.get(key)).toBeUndefined();
        const again = keyIn(scope);
        await store.set(again, makeEntry(again), { ttlMs: 60_000 });
        expect(await store.get(again)).toBeDefined();
      },
      timeout,
    );

    it(
      'keeps scopes apart: the same digest in two scopes is two entries',
      async () => {
        const otherScope = randomScope();
        const a = keyIn(scope, 'samedigest');
        const b = keyIn(otherScope, 'samedigest');
        await store.set(a, makeEntry(a, 'answer in scope a'), { ttlMs: 60_000 });
        await store.set(b, makeEntry(b, 'answer in scope b'), { ttlMs: 60_000 });
        expect((await store.get(a))?.response.content).toBe('answer in scope a');
        expect((await store.get(b))?.response.content).toBe('answer in scope b');
        await store.delete(a);
        expect(await store.get(a)).toBeUndefined();
        expect((await store.get(b))?.response.content).toBe('answer in scope b');
      },
      timeout,
    );

    it(
      'expires an entry after its TTL and keeps a longer-lived one',
      async () => {
        const short = keyIn(scope);
        const long = keyIn(scope);
        await store.set(short, makeEntry(short, 'short', shortTtlMs), { ttlMs: shortTtlMs });
        await store.set(long, makeEntry(long, 'long'), { ttlMs: 60_000 });
        expect(await store.get(short)).toBeDefined();
        await sleep(shortTtlMs + graceMs);
        expect(await store.get(short)).toBeUndefined();
        expect((await store.get(long))?.response.content).toBe('long');
      },
      timeout + shortTtlMs + graceMs,
    );

    it(
      'rejects a TTL that is not a positive integer (InvalidRequestError or InvalidOptionError) and leaves the entry unchanged',
      async () => {
        const key = keyIn(scope);
        await store.set(key, makeEntry(key, 'kept'), { ttlMs: 60_000 });
        for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          expectBadInput(await errorOf(store.set(key, makeEntry(key, 'replaced'), { ttlMs })));
        }
        const fresh = keyIn(scope);
        expectBadInput(await errorOf(store.set(fresh, makeEntry(fresh), { ttlMs: -5 })));
        expect((await store.get(key))?.response.content).toBe('kept');
        expect(await store.get(fresh)).toBeUndefined();
      },
      timeout,
    );

    it(
      `round-trips a large value (${largeBytes} code units)`,
      async () => {
        const key = keyIn(scope);
        const unit = 'The quick brown fox jumps over the lazy dog. Ünïcødé ✓ 42\n';
        const content = unit.repeat(Math.ceil(largeBytes / unit.length)).slice(0, largeBytes);
        await store.set(key, makeEntry(key, content), { ttlMs: 60_000 });
        const got = await store.get(key);
        expect(got?.response.content.length).toBe(content.length);
        expect(got?.response.content === content).toBe(true);
      },
      timeout,
    );

    it(
      'round-trips unicode values and prompts exactly',
      async () => {
        const key = keyIn(scope);
        const content =
          '日本語のテキスト, emoji 👍🏽👨‍👩‍👧, e\u0301 vs é, עברית مرحبا, "quotes" \\ back\\slash\ttab\r\nline, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, \u2028\u2029';
        const entry = { ...makeEntry(key, content), prompt: 'qu’est-ce que 東京? 🤔' };
        await store.set(key, entry, { ttlMs: 60_000 });
        expect(await store.get(key)).toEqual(entry);
      },
      timeout,
    );

    it(
      `keeps every one of ${concurrentSets} concurrent sets`,
      async () => {
        const keys = Array.from({ length: concurrentSets }, (_, i) => keyIn(scope, `c${i}`));
        await Promise.all(
          keys.map((key, i) => store.set(key, makeEntry(key, `v${i}`), { ttlMs: 60_000 })),
        );
        const got = await Promise.all(keys.map((key) => store.get(key)));
        got.forEach((entry, i) => {
          expect(entry?.response.content).toBe(`v${i}`);
        });
      },
      timeout,
    );

    it(
      'ends with one whole value after concurrent sets of the same key',
      async () => {
        const key = keyIn(scope);
        const values = Array.from({ length: 50 }, (_, i) => `value number ${i}`);
        await Promise.all(values.map((v) => store.set(key, makeEntry(key, v), { ttlMs: 60_000 })));
        const got = await store.get(key);
        expect(values).toContain(got?.response.content);
        expect(got?.key).toBe(key);
      },
      timeout,
    );

    it(
      'rejects every call after close with ClosedError, and closes twice safely',
      async () => {
        const key = keyIn(scope);
        await store.set(key, makeEntry(key), { ttlMs: 60_000 });
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.get(key)).rejects.toBeInstanceOf(ClosedError);
        await expect(store.set(key, makeEntry(key), { ttlMs: 60_000 })).rejects.toBeInstanceOf(
          ClosedError,
        );
        await expect(store.delete(key)).rejects.toBeInstanceOf(ClosedError);
        await expect(store.clear(scope)).rejects.toBeInstanceOf(ClosedError);
        await expect(store.clear()).rejects.toBeInstanceOf(ClosedError);
      },
      timeout,
    );
  });
}

function makeEntryLike(key: string) {
  return expect.objectContaining({
    key,
    response: expect.objectContaining({ model: 'conformance-model' }),
  });
}

/** The rejection reason of `promise`, or a failure when it resolves. */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection, but the call resolved'),
    (error: unknown) => error,
  );
}

/** Bad input is reported as InvalidRequestError (bad call argument) or InvalidOptionError (value out of range). */
function expectBadInput(error: unknown): void {
  expect(error).toBeInstanceOf(CacheError);
  expect(
    error instanceof InvalidRequestError || error instanceof InvalidOptionError,
    `expected InvalidRequestError or InvalidOptionError, got ${String(error)}`,
  ).toBe(true);
}
