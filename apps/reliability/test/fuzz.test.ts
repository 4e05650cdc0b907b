import { describeWithServer } from '@cache/conformance';
import {
  type CacheEntry,
  CacheError,
  DimensionMismatchError,
  InvalidOptionError,
  InvalidRequestError,
  InvalidVectorError,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { afterAll, expect, it } from 'vitest';
import { BACKENDS, closeSharedDatabases, DIMENSION, type OpenBackend } from './support/backends.js';
import { BagOfWordsEmbedder } from './support/bag-of-words-embedder.js';
import { ask } from './support/compose.js';
import { figure } from './support/figures.js';

afterAll(closeSharedDatabases);

type ErrorClass = abstract new (...args: never[]) => CacheError;

interface Context {
  cache: SemanticCache;
  b: OpenBackend;
  embedder: BagOfWordsEmbedder;
  key: string;
  scope: string;
}

/** One bad input: what it does, which typed error it must raise, and what the message must say. */
interface FuzzCase {
  name: string;
  run(ctx: Context): Promise<unknown> | unknown;
  error: ErrorClass | ErrorClass[];
  message: RegExp;
}

const SEEDED = ['what is the capital of france', 'how tall is mount everest', 'who wrote hamlet'];

const withVector = (v: Float32Array, i: number, value: number) => {
  const out = v.slice();
  out[i] = value;
  return out;
};

function vectorOf(ctx: Context): Float32Array {
  return ctx.embedder.vectorOf('a perfectly good vector');
}

const badTtls: [string, number][] = [
  ['negative', -1],
  ['zero', 0],
  ['non-integer', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['huge (2^53)', 2 ** 53],
  ['more than a year', 400 * 24 * 3600 * 1000],
];

const CASES: FuzzCase[] = [
  // ---- prompts ------------------------------------------------------------------------------
  {
    name: 'empty prompt',
    run: (c) => c.cache.complete(ask('')),
    error: InvalidRequestError,
    message: /empty/,
  },
  {
    name: 'whitespace-only prompt',
    run: (c) => c.cache.complete(ask(' \n\t  \r\n ')),
    error: InvalidRequestError,
    message: /whitespace/,
  },
  {
    name: 'Unicode-whitespace-only prompt',
    run: (c) => c.cache.complete(ask('\u00a0\u2003\u3000\ufeff')),
    error: InvalidRequestError,
    message: /whitespace/,
  },
  {
    name: 'zero-width spaces only',
    run: (c) => c.cache.complete(ask('\u200b\u200b\u200b')),
    error: InvalidRequestError,
    message: /invisible/,
  },
  {
    name: 'joiners and bidi marks only',
    run: (c) => c.cache.complete(ask('\u200d\u2060 \u200e\u202e')),
    error: InvalidRequestError,
    message: /invisible/,
  },
  {
    name: '5 MB prompt',
    run: (c) => c.cache.complete(ask('x'.repeat(5 * 1024 * 1024))),
    error: InvalidRequestError,
    message: /maxPromptBytes/,
  },
  {
    name: '5 MB spread over earlier turns',
    run: (c) =>
      c.cache.complete({
        model: 'm',
        messages: [
          { role: 'system', content: 'y'.repeat(5 * 1024 * 1024) },
          { role: 'user', content: 'short question' },
        ],
      }),
    error: InvalidRequestError,
    message: /maxPromptBytes/,
  },
  {
    name: 'lone high surrogate',
    run: (c) => c.cache.complete(ask('what is \ud800 this')),
    error: InvalidRequestError,
    message: /surrogate/,
  },
  {
    name: 'lone low surrogate at the end',
    run: (c) => c.cache.complete(ask('what is this \udc00')),
    error: InvalidRequestError,
    message: /surrogate/,
  },
  {
    name: 'lone surrogate in the system prompt',
    run: (c) =>
      c.cache.complete({
        model: 'm',
        messages: [
          { role: 'system', content: '\udbff' },
          { role: 'user', content: 'hi there' },
        ],
      }),
    error: InvalidRequestError,
    message: /surrogate/,
  },
  {
    name: 'control characters only',
    run: (c) => c.cache.complete(ask('\u0000\u0001\u0002\u0007\u001b\u007f')),
    error: InvalidRequestError,
    message: /control characters/,
  },
  {
    name: 'lookup() with control characters only',
    run: (c) => c.cache.lookup(ask('\u0000\u0008\u0085')),
    error: InvalidRequestError,
    message: /control characters/,
  },
  // ---- request shape ------------------------------------------------------------------------
  {
    name: 'request null',
    run: (c) => c.cache.complete(null as never),
    error: InvalidRequestError,
    message: /ChatRequest/,
  },
  {
    name: 'request array',
    run: (c) => c.cache.complete([] as never),
    error: InvalidRequestError,
    message: /ChatRequest/,
  },
  {
    name: 'model not a string',
    run: (c) =>
      c.cache.complete({ model: 42, messages: [{ role: 'user', content: 'hi' }] } as never),
    error: InvalidRequestError,
    message: /model/,
  },
  {
    name: 'empty model',
    run: (c) => c.cache.complete({ model: ' ', messages: [{ role: 'user', content: 'hi' }] }),
    error: InvalidRequestError,
    message: /model/,
  },
  {
    name: 'messages not an array',
    run: (c) => c.cache.complete({ model: 'm', messages: 'hi' } as never),
    error: InvalidRequestError,
    message: /messages/,
  },
  {
    name: 'empty messages',
    run: (c) => c.cache.complete({ model: 'm', messages: [] }),
    error: InvalidRequestError,
    message: /messages/,
  },
  {
    name: 'message null',
    run: (c) => c.cache.complete({ model: 'm', messages: [null] } as never),
    error: InvalidRequestError,
    message: /messages\[0\]/,
  },
  {
    name: 'content not a string',
    run: (c) => c.cache.complete({ model: 'm', messages: [{ role: 'user', content: 7 }] } as never),
    error: InvalidRequestError,
    message: /content/,
  },
  {
    name: 'content as an array of parts',
    run: (c) =>
      c.cache.complete({
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      } as never),
    error: InvalidRequestError,
    message: /content/,
  },
  {
    name: 'unknown role',
    run: (c) =>
      c.cache.complete({ model: 'm', messages: [{ role: 'wizard', content: 'hi' }] } as never),
    error: InvalidRequestError,
    message: /role/,
  },
  {
    name: 'last message not from the user',
    run: (c) => c.cache.complete({ model: 'm', messages: [{ role: 'assistant', content: 'hi' }] }),
    error: InvalidRequestError,
    message: /user/,
  },
  {
    name: 'unknown request field',
    run: (c) => c.cache.complete({ ...ask('hi'), user: 'bob' } as never),
    error: InvalidRequestError,
    message: /unknown request field "user"/,
  },
  {
    name: 'unknown message field',
    run: (c) =>
      c.cache.complete({
        model: 'm',
        messages: [{ role: 'user', content: 'hi', image: 'x' }],
      } as never),
    error: InvalidRequestError,
    message: /unknown field "image"/,
  },
  {
    name: 'temperature a string',
    run: (c) => c.cache.complete({ ...ask('hi'), temperature: 'hot' } as never),
    error: InvalidRequestError,
    message: /temperature/,
  },
  {
    name: 'temperature NaN',
    run: (c) => c.cache.complete({ ...ask('hi'), temperature: Number.NaN }),
    error: InvalidRequestError,
    message: /temperature/,
  },
  {
    name: 'temperature Infinity',
    run: (c) => c.cache.complete({ ...ask('hi'), temperature: Number.POSITIVE_INFINITY }),
    error: InvalidRequestError,
    message: /temperature/,
  },
  {
    name: 'maxTokens negative',
    run: (c) => c.cache.complete({ ...ask('hi'), maxTokens: -1 }),
    error: InvalidRequestError,
    message: /maxTokens/,
  },
  {
    name: 'stop not an array',
    run: (c) => c.cache.complete({ ...ask('hi'), stop: 'END' } as never),
    error: InvalidRequestError,
    message: /stop/,
  },
  // ---- request options ----------------------------------------------------------------------
  {
    name: 'unknown request option',
    run: (c) => c.cache.complete(ask('hi'), { ttl: 5 } as never),
    error: InvalidOptionError,
    message: /unknown option "ttl"/,
  },
  {
    name: 'options not an object',
    run: (c) => c.cache.complete(ask('hi'), 'fast' as never),
    error: InvalidOptionError,
    message: /object/,
  },
  {
    name: 'bypass not a boolean',
    run: (c) => c.cache.complete(ask('hi'), { bypass: 'yes' } as never),
    error: InvalidOptionError,
    message: /bypass/,
  },
  {
    name: 'empty tenant',
    run: (c) => c.cache.complete(ask('hi'), { tenant: '' }),
    error: InvalidOptionError,
    message: /tenant/,
  },
  {
    name: 'tenant of 5,000 characters',
    run: (c) => c.cache.complete(ask('hi'), { tenant: 't'.repeat(5000) }),
    error: InvalidOptionError,
    message: /tenant/,
  },
  {
    name: 'signal not an AbortSignal',
    run: (c) => c.cache.complete(ask('hi'), { signal: { aborted: false } } as never),
    error: InvalidOptionError,
    message: /signal/,
  },
  ...badTtls.map(
    ([label, ttlMs]): FuzzCase => ({
      name: `request ttlMs ${label}`,
      run: (c) => c.cache.complete(ask('hi there'), { ttlMs }),
      error: InvalidOptionError,
      message: /ttlMs/,
    }),
  ),
  ...badTtls.map(
    ([label, ttlMs]): FuzzCase => ({
      name: `store() ttlMs ${label}`,
      run: (c) =>
        c.cache.store(
          ask('hi there'),
          { content: 'x', model: 'm', finishReason: 'stop' },
          { ttlMs },
        ),
      error: InvalidOptionError,
      message: /ttlMs/,
    }),
  ),
  ...badTtls.map(
    ([label, ttlMs]): FuzzCase => ({
      name: `constructor ttlMs ${label}`,
      run: (c) => new SemanticCache({ exactStore: c.b.exactStore, ttlMs }),
      error: InvalidOptionError,
      message: /ttlMs/,
    }),
  ),
  // Stores only promise to reject TTLs that are not positive safe integers (Redis takes 400 days).
  ...badTtls.slice(0, 6).map(
    ([label, ttlMs]): FuzzCase => ({
      name: `exact store set() ttlMs ${label}`,
      run: async (c) => {
        const entry = await c.b.exactStore.get(c.key);
        return c.b.exactStore.set(
          c.key,
          { ...(entry as CacheEntry), prompt: 'changed' },
          { ttlMs },
        );
      },
      error: [InvalidOptionError, InvalidRequestError],
      message: /ttlMs/,
    }),
  ),
  // ---- metadata -----------------------------------------------------------------------------
  {
    name: 'metadata with an own __proto__ key (from JSON.parse)',
    run: (c) =>
      c.cache.complete(ask('hi'), { metadata: JSON.parse('{"__proto__":{"polluted":"yes"}}') }),
    error: InvalidOptionError,
    message: /__proto__|prototype/,
  },
  {
    name: 'metadata with a constructor key',
    run: (c) => c.cache.complete(ask('hi'), { metadata: { constructor: 'x' } as never }),
    error: InvalidOptionError,
    message: /constructor/,
  },
  {
    name: 'metadata with a prototype key',
    run: (c) => c.cache.complete(ask('hi'), { metadata: { prototype: 'x' } }),
    error: InvalidOptionError,
    message: /prototype/,
  },
  {
    name: 'metadata whose prototype was replaced',
    run: (c) => c.cache.complete(ask('hi'), { metadata: Object.create({ evil: 'x' }) }),
    error: InvalidOptionError,
    message: /plain object/,
  },
  {
    name: 'metadata value not a string',
    run: (c) => c.cache.complete(ask('hi'), { metadata: { n: 1 } as never }),
    error: InvalidOptionError,
    message: /metadata/,
  },
  {
    name: 'store() metadata with __proto__',
    run: (c) =>
      c.cache.store(
        ask('hi there'),
        { content: 'x', model: 'm', finishReason: 'stop' },
        { metadata: JSON.parse('{"__proto__":{"isAdmin":"true"}}') },
      ),
    error: InvalidOptionError,
    message: /__proto__|prototype/,
  },
  // ---- constructor options ------------------------------------------------------------------
  {
    name: 'unknown constructor option',
    run: (c) => new SemanticCache({ exactStore: c.b.exactStore, similarity: 0.9 } as never),
    error: InvalidOptionError,
    message: /unknown option "similarity"/,
  },
  {
    name: 'minSimilarity NaN',
    run: (c) => new SemanticCache({ exactStore: c.b.exactStore, minSimilarity: Number.NaN }),
    error: InvalidOptionError,
    message: /minSimilarity/,
  },
  {
    name: 'failMode unknown',
    run: (c) => new SemanticCache({ exactStore: c.b.exactStore, failMode: 'maybe' as never }),
    error: InvalidOptionError,
    message: /failMode/,
  },
  {
    name: 'unknown timeout',
    run: (c) =>
      new SemanticCache({ exactStore: c.b.exactStore, timeouts: { redisMs: 5 } as never }),
    error: InvalidOptionError,
    message: /redisMs/,
  },
  {
    name: 'embedder dimension differs from the vector store',
    run: (c) =>
      new SemanticCache({
        exactStore: c.b.exactStore,
        vectorStore: c.b.vectorStore,
        embedder: new BagOfWordsEmbedder(DIMENSION * 2),
      }),
    error: DimensionMismatchError,
    message: /dimension/,
  },
  {
    name: 'store() with a malformed response',
    run: (c) => c.cache.store(ask('hi there'), { content: 5 } as never),
    error: InvalidRequestError,
    message: /response/,
  },
  {
    name: 'delete() of a malformed key',
    run: (c) => c.cache.delete('no-colon-here'),
    error: InvalidRequestError,
    message: /entry key/,
  },
  {
    name: 'reportWrongHit() of a malformed key',
    run: (c) => c.cache.reportWrongHit(''),
    error: InvalidRequestError,
    message: /entry key/,
  },
  // ---- vectors, on the vector store directly ------------------------------------------------
  ...(
    [
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ] as [string, number][]
  ).flatMap(([label, value]): FuzzCase[] => [
    {
      name: `upsert a vector holding ${label}`,
      run: (c) =>
        c.b.vectorStore.upsert([
          {
            key: `${c.scope}:${'a'.repeat(32)}`,
            scope: c.scope,
            vector: withVector(vectorOf(c), 3, value),
          },
        ]),
      error: InvalidVectorError,
      message: /NaN|Infinity|finite/,
    },
    {
      name: `search with a vector holding ${label}`,
      run: (c) =>
        c.b.vectorStore.search(withVector(vectorOf(c), 0, value), {
          scope: c.scope,
          k: 3,
          minSimilarity: 0,
        }),
      error: InvalidVectorError,
      message: /NaN|Infinity|finite/,
    },
  ]),
  {
    name: 'upsert an all-zero vector',
    run: (c) =>
      c.b.vectorStore.upsert([
        {
          key: `${c.scope}:${'b'.repeat(32)}`,
          scope: c.scope,
          vector: new Float32Array(DIMENSION),
        },
      ]),
    error: InvalidVectorError,
    message: /zero/,
  },
  {
    name: 'a good record and a NaN one in one batch (nothing of the batch is written)',
    run: (c) =>
      c.b.vectorStore.upsert([
        { key: `${c.scope}:${'c'.repeat(32)}`, scope: c.scope, vector: vectorOf(c) },
        {
          key: `${c.scope}:${'d'.repeat(32)}`,
          scope: c.scope,
          vector: withVector(vectorOf(c), 1, Number.NaN),
        },
      ]),
    error: InvalidVectorError,
    message: /NaN|finite/,
  },
  ...[DIMENSION - 1, DIMENSION + 1, 1].flatMap((n): FuzzCase[] => [
    {
      name: `upsert a vector of dimension ${n}`,
      run: (c) =>
        c.b.vectorStore.upsert([
          {
            key: `${c.scope}:${'e'.repeat(32)}`,
            scope: c.scope,
            vector: new Float32Array(n).fill(0.5),
          },
        ]),
      error: DimensionMismatchError,
      message: new RegExp(`expected a vector of dimension ${DIMENSION}, got ${n}`),
    },
    {
      name: `search with a vector of dimension ${n}`,
      run: (c) =>
        c.b.vectorStore.search(new Float32Array(n).fill(0.5), {
          scope: c.scope,
          k: 3,
          minSimilarity: 0,
        }),
      error: DimensionMismatchError,
      message: new RegExp(`expected a vector of dimension ${DIMENSION}, got ${n}`),
    },
  ]),
  {
    name: 'upsert a plain array instead of a Float32Array',
    run: (c) =>
      c.b.vectorStore.upsert([
        {
          key: `${c.scope}:${'f'.repeat(32)}`,
          scope: c.scope,
          vector: Array.from(vectorOf(c)) as never,
        },
      ]),
    error: [DimensionMismatchError, InvalidVectorError],
    message: /Float32Array|vector/,
  },
  {
    name: 'search with k = 0',
    run: (c) => c.b.vectorStore.search(vectorOf(c), { scope: c.scope, k: 0, minSimilarity: 0 }),
    error: InvalidRequestError,
    message: /k/,
  },
  {
    name: 'search with minSimilarity 2',
    run: (c) => c.b.vectorStore.search(vectorOf(c), { scope: c.scope, k: 3, minSimilarity: 2 }),
    error: InvalidRequestError,
    message: /minSimilarity/,
  },
];

/** Everything the stores hold, plus what a search for each seeded prompt finds. */
async function snapshot(ctx: Context): Promise<string> {
  const probes = await Promise.all(
    SEEDED.map((q) =>
      ctx.b.vectorStore.search(ctx.embedder.vectorOf(q), {
        scope: ctx.scope,
        k: 10,
        minSimilarity: -1,
      }),
    ),
  );
  return `${await ctx.b.snapshot()}\n${JSON.stringify(probes)}`;
}

for (const backend of BACKENDS) {
  describeWithServer(`bad input fuzz list: ${backend.label}`, backend.skip, () => {
    it(`every case (${CASES.length}) is a typed CacheError with a clear message, and no stored entry changes`, async () => {
      const b = await backend.open();
      const embedder = new BagOfWordsEmbedder(DIMENSION);
      const model = new StandInChatModel({ delayMs: 0 });
      const cache = new SemanticCache({
        exactStore: b.exactStore,
        vectorStore: b.vectorStore,
        embedder,
        model,
        ttlRules: [],
      });
      try {
        for (const q of SEEDED) await cache.complete(ask(q));
        const seeded = cache.keyOf(ask(SEEDED[0] as string));
        const ctx: Context = { cache, b, embedder, key: seeded.key, scope: seeded.scope };
        const before = await snapshot(ctx);
        const calls = model.calls;
        const failed: string[] = [];
        for (const c of CASES) {
          let thrown: unknown;
          try {
            await c.run(ctx);
          } catch (error) {
            thrown = error;
          }
          const classes = Array.isArray(c.error) ? c.error : [c.error];
          const problem =
            thrown === undefined
              ? 'did not throw'
              : !(thrown instanceof CacheError)
                ? `threw an untyped ${String(thrown)}`
                : !classes.some((k) => thrown instanceof k)
                  ? `threw ${thrown.name} (${thrown.message})`
                  : !c.message.test(thrown.message) || thrown.message.length < 20
                    ? `unclear message: ${thrown.message}`
                    : (await snapshot(ctx)) !== before
                      ? 'changed what the stores hold'
                      : undefined;
          if (problem !== undefined) failed.push(`${c.name}: ${problem}`);
        }
        figure(
          `fuzz (${backend.label})`,
          `${CASES.length} cases tried, ${CASES.length - failed.length} passed`,
        );
        expect(failed).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
        expect(model.calls).toBe(calls);
        expect(await snapshot(ctx)).toBe(before);
        // The cache still works after all of it.
        expect((await cache.complete(ask(SEEDED[0] as string))).source).toBe('exact');
      } finally {
        await cache.close();
        await b.close();
      }
    }, 120_000);
  });
}

/** Valid but hostile inputs: each must be answered, stored, and served again as an exact hit. */
const HOSTILE: { name: string; prompt: string; tenant?: string; namespace?: string }[] = [
  { name: 'NUL inside the prompt', prompt: 'what is\u0000 a NUL byte' },
  { name: 'SQL in the prompt', prompt: "'; DROP TABLE cache_vectors; --" },
  { name: 'Redis glob and hash-tag characters in tenant', prompt: 'hello', tenant: '*?[a-z]{x}\\' },
  { name: 'namespace with newlines and quotes', prompt: 'hello', namespace: 'a\n"b\'c' },
  { name: 'emoji with joiners and RTL override', prompt: 'what is 👩‍👩‍👧 \u202e reversed' },
  { name: 'prompt just under the 1 MiB limit', prompt: `${'z'.repeat(1024 * 1024 - 10)} end` },
];

for (const backend of BACKENDS) {
  describeWithServer(`hostile but valid input: ${backend.label}`, backend.skip, () => {
    it(`every case (${HOSTILE.length}) is answered, stored and then served as an exact hit`, async () => {
      const b = await backend.open();
      const embedder = new BagOfWordsEmbedder(DIMENSION);
      const cache = new SemanticCache({
        exactStore: b.exactStore,
        vectorStore: b.vectorStore,
        embedder,
        model: new StandInChatModel({ delayMs: 0 }),
        ttlRules: [],
      });
      try {
        for (const h of HOSTILE) {
          const options = {
            ...(h.tenant === undefined ? {} : { tenant: h.tenant }),
            ...(h.namespace === undefined ? {} : { namespace: h.namespace }),
          };
          const first = await cache.complete(ask(h.prompt), options);
          expect(first.source, h.name).toBe('model');
          expect(first.stored, h.name).toBe(true);
          expect(first.failures, h.name).toEqual([]);
          const second = await cache.complete(ask(h.prompt), options);
          expect(second.source, h.name).toBe('exact');
          expect(second.response, h.name).toEqual(first.response);
        }
        // Clearing one hostile scope removes it alone.
        const tenant = HOSTILE[2]?.tenant as string;
        const { scope } = cache.keyOf(ask('hello'), { tenant });
        await cache.clear(scope);
        expect((await cache.lookup(ask('hello'), { tenant })).hit).toBe(false);
        expect((await cache.lookup(ask(HOSTILE[1]?.prompt as string))).hit).toBe(true);
      } finally {
        await cache.close();
        await b.close();
      }
    }, 120_000);
  });
}
