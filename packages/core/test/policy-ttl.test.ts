import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  DEFAULT_TTL_RULES,
  MemoryExactStore,
  matchTtlRule,
  PERSONAL_PATTERN,
  REALTIME_PATTERN,
  REALTIME_TTL_MS,
  SemanticCache,
  type SemanticCacheOptions,
} from '../src/index.js';
import { ask, Clock, CountingModel } from './helpers.js';

function setup(extra: Partial<SemanticCacheOptions> = {}) {
  const clock = new Clock();
  const exactStore = new MemoryExactStore({ now: clock.now });
  const model = new CountingModel();
  const cache = new SemanticCache({ exactStore, model, now: clock.now, ...extra });
  return { clock, exactStore, model, cache };
}

describe('default TTL rules', () => {
  const category = (prompt: string) => matchTtlRule(DEFAULT_TTL_RULES, prompt, ask(prompt))?.name;

  it('classifies personal, real-time and general prompts', () => {
    expect(category('What is my account balance?')).toBe('personal');
    expect(category('Email me at jane.doe@example.com about it')).toBe('personal');
    expect(category('Call +44 20 7946 0958 for me')).toBe('personal');
    expect(category("What's the weather in Paris?")).toBe('realtime');
    expect(category('Apple stock price')).toBe('realtime');
    expect(category('What happened in the news today?')).toBe('realtime');
    expect(category('What time is it now')).toBe('realtime');
    expect(category('What is the capital of France?')).toBeUndefined();
    expect(category('Explain binary search')).toBeUndefined();
  });

  it('classifies ASCII prompts exactly as the /iu patterns do, and keeps Unicode folding', () => {
    const byPattern = (prompt: string) =>
      PERSONAL_PATTERN.test(prompt)
        ? 'personal'
        : REALTIME_PATTERN.test(prompt)
          ? 'realtime'
          : undefined;
    const prompts = [
      'how do i reverse a linked list in place?',
      'WHO AM I',
      'my   current   Balance',
      'our tax forms',
      'call 555-123-4567 tomorrow',
      '(555) 123 4567',
      '1234 5678 9012 3456',
      'mail x.y+z@a-b.example.org',
      'S&P 500 close',
      'bitcoin   PRICE',
      'this morning, the dow jones',
      'nowhere is currentless',
      'mybalance',
      'e-mail of my e-mail',
    ];
    for (const prompt of prompts) expect(category(prompt), prompt).toBe(byPattern(prompt));
    // Under /iu the long s (U+017F) folds to "s" and the Kelvin sign (U+212A) to "k".
    expect(category('tell my \u017fon a story')).toBe('personal');
    expect(category('\u017ftock market in Zürich')).toBe('realtime');
    expect(category('the \u212Aelvin scale')).toBeUndefined();
    expect(category('my ban\u212A')).toBe('personal');
  });

  it('stores general knowledge for 24 h and real-time prompts for 5 minutes', async () => {
    const { cache, clock } = setup();
    const general = await cache.complete(ask('What is the capital of France?'));
    expect(general).toMatchObject({ source: 'model', stored: true, ttlMs: DAY_MS });
    const realtime = await cache.complete(ask("What's the weather in Paris?"));
    expect(realtime).toMatchObject({
      source: 'model',
      stored: true,
      ttlMs: REALTIME_TTL_MS,
      category: 'realtime',
    });
    clock.advance(REALTIME_TTL_MS);
    expect((await cache.complete(ask("What's the weather in Paris?"))).source).toBe('model');
    expect((await cache.complete(ask('What is the capital of France?'))).source).toBe('exact');
    clock.advance(DAY_MS - REALTIME_TTL_MS);
    expect((await cache.complete(ask('What is the capital of France?'))).source).toBe('model');
  });

  it('never caches personal prompts', async () => {
    const { cache, model, exactStore } = setup();
    const first = await cache.complete(ask('What is my account balance?'));
    expect(first).toMatchObject({ source: 'bypass', stored: false, category: 'personal' });
    expect(first.reason).toMatch(/personal/);
    expect((await cache.complete(ask('What is my account balance?'))).source).toBe('bypass');
    expect(model.calls).toBe(2);
    expect(exactStore.keys()).toEqual([]);
  });

  it('takes custom rules, functions included, and [] turns them off', async () => {
    const { cache } = setup({
      ttlRules: [
        { name: 'code', match: /\bcode\b/i, ttlMs: 60_000 },
        { name: 'long', match: (prompt) => prompt.length > 30, ttlMs: 'no-store' },
      ],
    });
    expect((await cache.complete(ask('write code'))).ttlMs).toBe(60_000);
    expect((await cache.complete(ask('a prompt that is longer than thirty chars'))).source).toBe(
      'bypass',
    );
    expect((await cache.complete(ask('weather today'))).ttlMs).toBe(DAY_MS);
    const off = setup({ ttlRules: [] }).cache;
    expect((await off.complete(ask('What is my account balance?'))).source).toBe('model');
  });

  it('a per-request ttlMs overrides the TTL but not a no-store rule', async () => {
    const { cache, clock } = setup();
    expect((await cache.complete(ask('weather today'), { ttlMs: 1000 })).ttlMs).toBe(1000);
    clock.advance(1000);
    expect((await cache.complete(ask('weather today'))).source).toBe('model');
    expect((await cache.complete(ask('my password please'), { ttlMs: 1000 })).source).toBe(
      'bypass',
    );
  });
});

describe('sliding TTL', () => {
  it('extends an entry on each hit, never past maxAgeMs', async () => {
    const { cache, clock } = setup({ ttlMs: 1000, slidingTtl: true, maxAgeMs: 2500, ttlRules: [] });
    await cache.complete(ask('q'));
    clock.advance(900);
    expect((await cache.complete(ask('q'))).source).toBe('exact'); // expiry moves to 1900
    clock.advance(900);
    expect((await cache.complete(ask('q'))).source).toBe('exact'); // 2800 capped at 2500
    clock.advance(699);
    expect((await cache.complete(ask('q'))).source).toBe('exact'); // at 2499, still capped
    clock.advance(1);
    expect((await cache.complete(ask('q'))).source).toBe('model'); // maxAgeMs reached
  });

  it('is off by default: hits do not extend the expiry', async () => {
    const { cache, clock } = setup({ ttlMs: 1000, ttlRules: [] });
    await cache.complete(ask('q'));
    clock.advance(900);
    expect((await cache.complete(ask('q'))).source).toBe('exact');
    clock.advance(100);
    expect((await cache.complete(ask('q'))).source).toBe('model');
  });
});

describe('bypass, refresh, noStore and the temperature limit', () => {
  it('bypass calls the model and stores nothing', async () => {
    const { cache, model, exactStore } = setup();
    await cache.complete(ask('q'));
    const r = await cache.complete(ask('q'), { bypass: true });
    expect(r).toMatchObject({ source: 'bypass', stored: false, reason: 'bypass requested' });
    expect(model.calls).toBe(2);
    expect(exactStore.keys()).toHaveLength(1);
  });

  it('refresh calls the model, overwrites the entry and records staleness', async () => {
    const { cache, model } = setup();
    await cache.complete(ask('q'));
    const same = await cache.complete(ask('q'), { refresh: true });
    expect(same).toMatchObject({ source: 'model', stored: true, changed: false });
    model.version = 2;
    const changed = await cache.complete(ask('q'), { refresh: true });
    expect(changed).toMatchObject({ source: 'model', stored: true, changed: true });
    const hit = await cache.complete(ask('q'));
    expect(hit.source).toBe('exact');
    expect(hit.response.content).toBe('answer v2: q');
    expect(cache.metrics().staleness).toEqual({ refreshes: 2, compared: 2, changed: 1 });
    expect(model.calls).toBe(3);
  });

  it('noStore looks up but does not store', async () => {
    const { cache, exactStore } = setup();
    const miss = await cache.complete(ask('q'), { noStore: true });
    expect(miss).toMatchObject({ source: 'model', stored: false });
    expect(exactStore.keys()).toEqual([]);
    await cache.complete(ask('q'));
    expect((await cache.complete(ask('q'), { noStore: true })).source).toBe('exact');
  });

  it('does not cache temperatures above the limit (default 0.8)', async () => {
    const { cache, exactStore } = setup();
    const hot = await cache.complete(ask('q', { temperature: 0.9 }));
    expect(hot.source).toBe('bypass');
    expect(hot.reason).toMatch(/temperature 0.9 is above .* 0.8/);
    expect((await cache.complete(ask('q', { temperature: 0.8 }))).source).toBe('model');
    expect((await cache.complete(ask('q', { temperature: 0.8 }))).source).toBe('exact');
    expect(exactStore.keys()).toHaveLength(1);
    const strict = setup({ temperatureLimit: 0 }).cache;
    expect((await strict.complete(ask('q', { temperature: 0.1 }))).source).toBe('bypass');
  });

  it('lookup and store follow the same policy (cache-aside)', async () => {
    const { cache } = setup();
    const request = ask('What is Rust?');
    const miss = await cache.lookup(request);
    expect(miss).toMatchObject({ hit: false, source: 'miss', cacheable: true, ttlMs: DAY_MS });
    const response = { content: 'A language.', model: 'x', finishReason: 'stop' };
    expect(await cache.store(request, response)).toMatchObject({ stored: true, key: miss.key });
    expect(await cache.lookup(request)).toMatchObject({ hit: true, source: 'exact', response });
    const personal = await cache.lookup(ask('my password'));
    expect(personal).toMatchObject({ hit: false, source: 'bypass', cacheable: false });
    expect(await cache.store(ask('my password'), response)).toMatchObject({ stored: false });
    expect(await cache.store(ask('other'), response, { noStore: true })).toMatchObject({
      stored: false,
    });
    expect((await cache.lookup(request, { refresh: true })).source).toBe('miss');
  });
});

describe('scope separation through the cache', () => {
  it('different tenants, models, system prompts, turns and params never hit each other', async () => {
    const { cache, model } = setup();
    const q = 'What is the capital of France?';
    const variants: [
      Parameters<SemanticCache['complete']>[0],
      Parameters<SemanticCache['complete']>[1],
    ][] = [
      [ask(q), undefined],
      [ask(q), { tenant: 'acme' }],
      [ask(q), { tenant: 'globex' }],
      [ask(q), { namespace: 'other' }],
      [ask(q, { model: 'other-model' }), undefined],
      [
        {
          model: 'test-model',
          messages: [
            { role: 'system', content: 'Answer in French.' },
            { role: 'user', content: q },
          ],
        },
        undefined,
      ],
      [
        {
          model: 'test-model',
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello' },
            { role: 'user', content: q },
          ],
        },
        undefined,
      ],
      [ask(q, { temperature: 0 }), undefined],
      [ask(q, { maxTokens: 5 }), undefined],
      [ask(q, { tools: [{ name: 'search' }] }), undefined],
      [ask(q, { responseFormat: { type: 'json_object' } }), undefined],
    ];
    for (const [request, options] of variants) {
      expect((await cache.complete(request, options)).source).toBe('model');
    }
    for (const [request, options] of variants) {
      expect((await cache.complete(request, options)).source).toBe('exact');
    }
    expect(model.calls).toBe(variants.length);
  });

  it('normalizes prompts before keying; case folding is an option', async () => {
    const { cache } = setup();
    await cache.complete(ask('What is Python?'));
    expect((await cache.complete(ask(' What is Python? \r\n'))).source).toBe('exact');
    expect((await cache.complete(ask('What is 2\u00b3?'))).source).toBe('model');
    expect((await cache.complete(ask('What is 23?'))).source).not.toBe('exact');
    expect((await cache.complete(ask('what is python?'))).source).toBe('model');
    const folded = setup({ normalization: { caseFold: true } }).cache;
    await folded.complete(ask('What is Python?'));
    expect((await folded.complete(ask('WHAT IS PYTHON?'))).source).toBe('exact');
  });
});
