import { describe, expect, it } from 'vitest';
import {
  CacheError,
  type ChatRequest,
  InvalidOptionError,
  InvalidRequestError,
  MemoryExactStore,
  type RequestOptions,
  SemanticCache,
} from '../src/index.js';
import {
  ask,
  BruteForceVectorStore,
  CountingModel,
  snapshotStore,
  WordEmbedder,
} from './helpers.js';

function setup() {
  const exactStore = new MemoryExactStore();
  const embedder = new WordEmbedder();
  const vectorStore = new BruteForceVectorStore(embedder.dimension);
  const model = new CountingModel();
  const cache = new SemanticCache({ exactStore, vectorStore, embedder, model, ttlRules: [] });
  return { exactStore, vectorStore, model, cache };
}

const badRequests: [string, unknown, RegExp][] = [
  ['null request', null, /ChatRequest object/],
  ['string request', 'What is X?', /ChatRequest object/],
  ['missing model', { messages: [{ role: 'user', content: 'q' }] }, /model/],
  ['empty messages', { model: 'm', messages: [] }, /non-empty array/],
  ['messages not an array', { model: 'm', messages: 'q' }, /non-empty array/],
  ['empty prompt', ask(''), /empty or only whitespace/],
  ['whitespace-only prompt', ask(' \n\t\u00a0 '), /empty or only whitespace/],
  ['control-characters-only prompt', ask('\u0000\u0007\u001b'), /only control characters/],
  [
    'number content',
    { model: 'm', messages: [{ role: 'user', content: 42 }] },
    /content must be a string/,
  ],
  [
    'array content',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    /content must be a string/,
  ],
  [
    'last message not from the user',
    {
      model: 'm',
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
    },
    /last message must come from the user/,
  ],
  [
    'tool calls on a user message',
    {
      model: 'm',
      messages: [
        { role: 'user', content: 'q', toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] },
      ],
    },
    /toolCalls is only valid on assistant messages/,
  ],
  [
    'a tool call without arguments',
    {
      model: 'm',
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f' }] },
        { role: 'user', content: 'q' },
      ],
    },
    /toolCalls\[0\]\.arguments must be a string/,
  ],
  ['extra not an object', { ...ask('q'), extra: [1] }, /request.extra must be an object/],
  [
    'unknown role',
    { model: 'm', messages: [{ role: 'admin', content: 'q' }] },
    /role must be one of/,
  ],
  ['lone surrogate', ask('broken \ud800 text'), /unpaired UTF-16 surrogate/],
  ['5 MB prompt', ask('x'.repeat(5 * 1024 * 1024)), /above the limit of 1048576/],
  ['unknown request field', { ...ask('q'), logitBias: {} }, /unknown request field "logitBias"/],
  ['NaN temperature', ask('q', { temperature: Number.NaN }), /temperature must be a finite number/],
  ['negative maxTokens', ask('q', { maxTokens: -1 }), /maxTokens must be a positive integer/],
  [
    'non-string stop',
    ask('q', { stop: [1] as unknown as string[] }),
    /stop must be an array of strings/,
  ],
];

const badOptions: [string, unknown, RegExp][] = [
  ['negative TTL', { ttlMs: -1 }, /ttlMs must be a whole number/],
  ['zero TTL', { ttlMs: 0 }, /ttlMs must be a whole number/],
  ['fractional TTL', { ttlMs: 1.5 }, /ttlMs must be a whole number/],
  ['huge TTL', { ttlMs: 10 * 365 * 86_400_000 }, /365 days/],
  ['infinite TTL', { ttlMs: Number.POSITIVE_INFINITY }, /ttlMs must be a whole number/],
  ['unknown option', { bypas: true }, /unknown option "bypas".*bypass, refresh, noStore/],
  ['non-boolean flag', { bypass: 'yes' }, /bypass must be a boolean/],
  ['empty tenant', { tenant: '' }, /tenant must be a non-empty string/],
  [
    '__proto__ metadata',
    { metadata: JSON.parse('{"__proto__": {"polluted": "yes"}}') },
    /__proto__/,
  ],
  ['constructor metadata', { metadata: { constructor: 'x' } }, /constructor/],
  ['prototype metadata', { metadata: { prototype: 'x' } }, /prototype/],
  ['non-string metadata', { metadata: { a: 1 } }, /metadata.a must be a string/],
  ['signal not a signal', { signal: {} }, /AbortSignal/],
];

describe('bad input', () => {
  it.each(badRequests)(
    '%s → InvalidRequestError, nothing stored or called',
    async (_, request, message) => {
      const { cache, exactStore, vectorStore, model } = setup();
      await cache.complete(ask('What is the capital of France?'));
      const before = await snapshotStore(exactStore);
      const vectorsBefore = vectorStore.records.size;
      for (const call of [
        () => cache.complete(request as ChatRequest),
        () => cache.lookup(request as ChatRequest),
        () =>
          cache.store(request as ChatRequest, { content: 'x', model: 'm', finishReason: 'stop' }),
        () => cache.stream(request as ChatRequest),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message).toMatch(message);
      }
      expect(await snapshotStore(exactStore)).toEqual(before);
      expect(vectorStore.records.size).toBe(vectorsBefore);
      expect(model.calls).toBe(1);
    },
  );

  it.each(badOptions)(
    '%s in request options → InvalidOptionError, nothing changes',
    async (_, options, message) => {
      const { cache, exactStore, model } = setup();
      await cache.complete(ask('What is the capital of France?'));
      const before = await snapshotStore(exactStore);
      for (const call of [
        () => cache.complete(ask('What is the capital of France?'), options as RequestOptions),
        () => cache.complete(ask('new question'), options as RequestOptions),
        () =>
          cache.store(
            ask('new question'),
            { content: 'x', model: 'm', finishReason: 'stop' },
            options as RequestOptions,
          ),
      ]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect((error as Error).message).toMatch(message);
      }
      expect(await snapshotStore(exactStore)).toEqual(before);
      expect(model.calls).toBe(1);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('accepts control characters, dropping them from the key', async () => {
    const { cache } = setup();
    await cache.complete(ask('What is\u0000 the capital\u0007 of France?'));
    expect((await cache.complete(ask('What is the capital of France?'))).source).toBe('exact');
  });

  it('rejects a malformed response to store()', async () => {
    const { cache, exactStore } = setup();
    for (const response of [
      null,
      { content: 1, model: 'm', finishReason: 'stop' },
      { content: 'x' },
      {
        content: 'x',
        model: 'm',
        finishReason: 'stop',
        usage: { promptTokens: -1, completionTokens: 0, totalTokens: 0 },
      },
    ]) {
      await expect(cache.store(ask('q'), response as never)).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    }
    expect(exactStore.keys()).toEqual([]);
  });

  it('honours a configured maxPromptBytes', async () => {
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      model: new CountingModel(),
      maxPromptBytes: 10,
    });
    await expect(cache.complete(ask('more than ten bytes'))).rejects.toThrow(/maxPromptBytes/);
    expect((await cache.complete(ask('short'))).source).toBe('model');
  });

  it('rejects unknown and out-of-range constructor options, naming the valid keys', () => {
    const exactStore = new MemoryExactStore();
    const cases: [unknown, RegExp][] = [
      [
        { exactStore, threshold: 0.9 },
        /unknown option "threshold".*exactStore, vectorStore, embedder/,
      ],
      [{}, /exactStore is required/],
      [{ exactStore: {} }, /exactStore has no get\(\) method/],
      [{ exactStore, ttlMs: -5 }, /ttlMs must be a whole number/],
      [{ exactStore, minSimilarity: 1.5 }, /minSimilarity/],
      [{ exactStore, k: 0 }, /k must be an integer/],
      [{ exactStore, failMode: 'maybe' }, /failMode/],
      [{ exactStore, timeouts: { exactMs: 5 } }, /unknown option "exactMs".*exactStoreMs/],
      [{ exactStore, normalization: { lowercase: true } }, /unknown option "lowercase".*caseFold/],
      [
        { exactStore, ttlRules: [{ name: 'x', match: 'weather', ttlMs: 5 }] },
        /RegExp or a function/,
      ],
      [
        { exactStore, ttlRules: [{ name: 'x', match: /a/, ttlMs: -5 }] },
        /ttlMs must be a whole number/,
      ],
      [
        { exactStore, slidingTtl: true, ttlMs: 10_000, maxAgeMs: 5000 },
        /maxAgeMs .* at least ttlMs/,
      ],
      [{ exactStore, embedder: new WordEmbedder() }, /both vectorStore and embedder/],
      [{ exactStore, temperatureLimit: -1 }, /temperatureLimit/],
    ];
    for (const [options, message] of cases) {
      const error = (() => {
        try {
          new SemanticCache(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(CacheError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('complete without a model says to pass one or use lookup/store', async () => {
    const cache = new SemanticCache({ exactStore: new MemoryExactStore() });
    await expect(cache.complete(ask('q'))).rejects.toThrow(
      /needs a model.*lookup\(\) and store\(\)/,
    );
  });

  it('rejects calls after close with ClosedError', async () => {
    const { cache } = setup();
    await cache.close();
    await expect(cache.complete(ask('q'))).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
