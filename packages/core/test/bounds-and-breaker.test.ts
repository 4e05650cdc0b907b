import { describe, expect, it } from 'vitest';
import {
  CircuitBreakers,
  CircuitOpenError,
  entryProblem,
  MemoryExactStore,
  SemanticCache,
  SingleFlight,
  StoreUnavailableError,
} from '../src/index.js';
import { PromptMemo } from '../src/prompt-memo.js';
import { ask, CountingModel, FaultyExactStore, tick } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('circuit breaker', () => {
  it('skips a failing store at once after a few failures, shows it in failures and metrics, and a half-open probe closes it', async () => {
    const exactStore = new FaultyExactStore();
    const cache = new SemanticCache({
      exactStore,
      model: new CountingModel(),
      ttlRules: [],
      circuitBreaker: { failures: 3, halfOpenAfterMs: 100 },
    });
    exactStore.failing.add('get').add('set');
    for (let i = 0; i < 3; i++) await cache.complete(ask(`question ${i}`));
    expect(cache.metrics().circuits.faulty).toBe('open');
    const calls = exactStore.calls.get + exactStore.calls.set;
    const skippedBefore = cache.metrics().errors['faulty:circuit-open'] ?? 0;
    const skipped = await cache.complete(ask('question while open'));
    expect(skipped.source).toBe('model');
    expect(skipped.failures).toEqual(expect.arrayContaining(['faulty', 'faulty:circuit-open']));
    // Neither the lookup nor the write reached the store.
    expect(exactStore.calls.get + exactStore.calls.set).toBe(calls);
    expect(cache.metrics().errors['faulty:circuit-open']).toBe(skippedBefore + 2);
    exactStore.failing.clear();
    await sleep(150);
    await cache.complete(ask('the probe'));
    expect(cache.metrics().circuits.faulty).toBe('closed');
    expect((await cache.complete(ask('the probe'))).source).toBe('exact');
    await cache.close();
  });

  it('a request never waits for a slow half-open probe: the probe goes on and closes the circuit', async () => {
    const exactStore = new FaultyExactStore();
    const cache = new SemanticCache({
      exactStore,
      model: new CountingModel(),
      ttlRules: [],
      timeouts: { exactStoreMs: 5_000 },
      circuitBreaker: { failures: 1, halfOpenAfterMs: 20 },
    });
    exactStore.failing.add('get');
    await cache.complete(ask('opens the circuit'));
    expect(cache.metrics().circuits.faulty).toBe('open');
    exactStore.failing.clear();
    // The store is back but slow: its answer takes far longer than any request may wait.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner = exactStore.inner;
    const slowGet = inner.get.bind(inner);
    exactStore.get = async (key) => {
      exactStore.calls.get++;
      await gate;
      return slowGet(key);
    };
    await sleep(40);
    const gets = exactStore.calls.get;
    const during = await cache.complete(ask('asked during the probe'));
    // The probe was made, and the request did not wait for it.
    expect(exactStore.calls.get).toBe(gets + 1);
    expect(during.source).toBe('model');
    expect(during.failures).toContain('faulty:circuit-open');
    release();
    await sleep(10);
    expect(cache.metrics().circuits.faulty).toBe('closed');
    await cache.close();
  });

  it("failMode 'closed' throws CircuitOpenError (a StoreUnavailableError) while open", async () => {
    const exactStore = new FaultyExactStore();
    const cache = new SemanticCache({
      exactStore,
      model: new CountingModel(),
      failMode: 'closed',
      circuitBreaker: { failures: 1, halfOpenAfterMs: 60_000 },
    });
    exactStore.failing.add('get');
    await expect(cache.complete(ask('one'))).rejects.toBeInstanceOf(StoreUnavailableError);
    const error = await cache.complete(ask('two')).catch((e) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as Error).message).toMatch(/^faulty: skipped: its circuit breaker is open/);
    await cache.close();
  });

  it('does not count bad input or caller aborts as failures, and can be turned off', async () => {
    const breakers = new CircuitBreakers({ failures: 1 });
    const aborted = () => true;
    await expect(
      breakers.run('x', () => Promise.reject(new Error('aborted')), aborted),
    ).rejects.toThrow('aborted');
    expect(breakers.states().x).toBe('closed');
    const off = new CircuitBreakers(false);
    for (let i = 0; i < 3; i++) {
      await expect(
        off.run(
          'x',
          () => Promise.reject(new Error('down')),
          () => false,
        ),
      ).rejects.toThrow('down');
    }
    expect(off.states()).toEqual({});
  });
});

describe('single flight followers', () => {
  it("a follower of an adopted outcome whose owner aborted runs the work itself instead of getting the owner's error", async () => {
    const flights = new SingleFlight<string>();
    const owner = new AbortController();
    let fail!: (e: unknown) => void;
    const outcome = new Promise<string>((_, reject) => {
      fail = reject;
    });
    flights.adopt('k', outcome, owner.signal);
    let runs = 0;
    const follower = flights.run('k', async () => {
      runs++;
      return 'own answer';
    });
    await tick();
    owner.abort(new Error('client closed the connection'));
    fail(new Error('client closed the connection'));
    await expect(follower).resolves.toEqual({ value: 'own answer', shared: false });
    expect(runs).toBe(1);
  });

  it('a follower still gets a real failure of the shared work', async () => {
    const flights = new SingleFlight<string>();
    const outcome = Promise.reject(new Error('model down'));
    flights.adopt('k', outcome, new AbortController().signal);
    await expect(flights.run('k', async () => 'never')).rejects.toThrow('model down');
  });
});

describe('byte budgets', () => {
  it('MemoryExactStore evicts by bytes and never holds an entry larger than its budget', async () => {
    const store = new MemoryExactStore({ maxEntries: 1000, maxBytes: 50_000 });
    const entry = (key: string, size: number) => ({
      key,
      scope: 's',
      prompt: 'p'.repeat(size),
      response: { content: 'a', model: 'm', finishReason: 'stop' },
      createdAt: 0,
      expiresAt: Date.now() + 60_000,
    });
    for (let i = 0; i < 10; i++)
      await store.set(`s:${i}`, entry(`s:${i}`, 10_000), { ttlMs: 60_000 });
    // 10 prompts of 20 KB (UTF-16) do not fit in 50 KB: the oldest went first.
    expect(store.size).toBeLessThanOrEqual(2);
    expect(await store.get('s:9')).toBeDefined();
    expect(await store.get('s:0')).toBeUndefined();
    await store.set('s:big', entry('s:big', 100_000), { ttlMs: 60_000 });
    expect(await store.get('s:big')).toBeUndefined();
    expect(() => new MemoryExactStore({ maxBytes: 0 })).toThrow(/maxBytes/);
  });

  it('PromptMemo holds at most 2 MiB', () => {
    const memo = new PromptMemo([]);
    for (let i = 0; i < 1100; i++) memo.digest(`${i} ${'x'.repeat(1000)}`);
    const held = memo.held;
    expect(held.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(held.prompts).toBeLessThan(1024);
  });
});

describe('stored entry validation', () => {
  const good = {
    key: 's:d',
    scope: 's',
    prompt: 'p',
    response: {
      content: 'a',
      model: 'm',
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    },
    createdAt: 1,
    expiresAt: 2,
  };
  it('accepts a well-formed entry and names what is wrong with a nonsensical one', () => {
    expect(entryProblem(good)).toBeUndefined();
    const negative = structuredClone(good);
    negative.response.usage.promptTokens = -5;
    expect(entryProblem(negative)).toMatch(/token usage/);
    expect(entryProblem({ ...good, createdAt: '1' })).toMatch(/timestamps/);
    expect(entryProblem({ ...good, response: { ...good.response, content: 7 } })).toMatch(
      /invalid response/,
    );
    expect(entryProblem(null)).toMatch(/not an object/);
  });

  it('serves a stored entry with a negative token count as a miss, counts it and deletes it', async () => {
    const exactStore = new FaultyExactStore();
    const cache = new SemanticCache({ exactStore, model: new CountingModel(), ttlRules: [] });
    const first = await cache.complete(ask('a question'));
    const stored = await exactStore.inner.get(first.key as string);
    const bad = structuredClone(stored);
    if (bad?.response.usage) bad.response.usage.totalTokens = -1;
    exactStore.garbage.set(first.key as string, bad);
    const second = await cache.complete(ask('a question'));
    expect(second.source).toBe('model');
    expect(second.failures).toContain('faulty:corrupt');
    expect(exactStore.garbage.has(first.key as string)).toBe(false);
    await cache.close();
  });
});
