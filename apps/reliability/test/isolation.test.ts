import { randomBytes } from 'node:crypto';
import { describeWithServer } from '@cache/conformance';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  canonicalJson,
  type ExactStore,
  MemoryExactStore,
  SemanticCache,
  type VectorStore,
} from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { RedisExactStore } from '@cache/redis';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend, closeSharedDatabases } from './support/backends.js';
import { BagOfWordsEmbedder } from './support/bag-of-words-embedder.js';
import { ACCEPT_ALL } from './support/compose.js';
import { figure } from './support/figures.js';
import { ScopeBlindVectorStore } from './support/scope-blind-vector-store.js';
import { envSkipReason } from './support/server-gate.js';

/** Requests per fast-check run; runs × this ≥ 10,000. */
const BATCH = 500;
const RUNS = 20;
/** Requests sent concurrently within a run (concurrent misses of one key share a flight). */
const CONCURRENCY = 25;

/** What, besides the words, must separate scopes. */
interface ScopeSpec {
  tenant?: string;
  namespace?: string;
  model: string;
  system?: string;
  turns: ChatMessage[];
  params: Partial<ChatRequest>;
  name?: string;
}

/** One generated request: a scope from the run's pool and the words asked. */
interface Spec extends ScopeSpec {
  subject: number;
  template: number;
  order: number[];
}

const SUBJECTS = ['python', 'the moon', 'tax law', 'rust', 'coffee'];
const TEMPLATES = [
  ['what', 'is', '@'],
  ['tell', 'me', 'about', '@'],
];
/** Scopes drawn per run; requests pick among them, so hits within a scope are frequent. */
const POOL = 24;

// Near-duplicates on purpose ('acme' / 'ACME' / 'acme '): a sloppy normalization of tenants or
// system prompts would merge scopes that must stay apart.
const scopeArb: fc.Arbitrary<ScopeSpec> = fc.record(
  {
    tenant: fc.constantFrom(undefined, 'acme', 'ACME', 'acme ', 'globex'),
    namespace: fc.constantFrom(undefined, 'default', 'support'),
    model: fc.constantFrom('gpt-a', 'gpt-b'),
    system: fc.constantFrom(undefined, 'You are terse.', 'You are terse. ', 'Answer in French.'),
    turns: fc.constantFrom<ChatMessage[]>(
      [],
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello!' },
      ],
    ),
    params: fc.constantFrom<Partial<ChatRequest>>(
      {},
      { temperature: 0 },
      { temperature: 0.2, maxTokens: 64 },
      { seed: 7 },
      { responseFormat: { type: 'json_object' } },
      { tools: [{ type: 'function', function: { name: 'lookup' } }] },
    ),
    name: fc.constantFrom(undefined, 'alice'),
  },
  { requiredKeys: ['model', 'turns', 'params'] },
);

const batchArb: fc.Arbitrary<Spec[]> = fc
  .record({
    pool: fc.array(scopeArb, { minLength: POOL, maxLength: POOL }),
    picks: fc.array(
      fc.record({
        scope: fc.nat(POOL - 1),
        subject: fc.nat(SUBJECTS.length - 1),
        template: fc.nat(TEMPLATES.length - 1),
        order: fc.constantFrom<number[]>([0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2]),
      }),
      { minLength: BATCH, maxLength: BATCH },
    ),
  })
  .map(({ pool, picks }) =>
    picks.map(({ scope, ...words }) => ({ ...(pool[scope] as ScopeSpec), ...words })),
  );

/** What the right answer depends on besides the words: two specs with equal identity share a scope. */
function identityOf(s: ScopeSpec): string {
  return canonicalJson({
    tenant: s.tenant ?? null,
    namespace: s.namespace ?? 'default',
    model: s.model,
    system: s.system ?? null,
    turns: s.turns,
    params: s.params,
    name: s.name ?? null,
  });
}

function requestOf(s: Spec): ChatRequest {
  const words = (TEMPLATES[s.template] as string[]).map((w) =>
    w === '@' ? (SUBJECTS[s.subject] as string) : w,
  );
  // Reordering the words keeps the bag of words: a semantic hit within the scope, and an
  // identical vector in every other scope asking the same thing.
  const reordered = s.order.filter((i) => i < words.length).map((i) => words[i] as string);
  const messages: ChatMessage[] = [];
  if (s.system !== undefined) messages.push({ role: 'system', content: s.system });
  messages.push(...s.turns);
  const last: ChatMessage = { role: 'user', content: reordered.join(' ') };
  if (s.name !== undefined) last.name = s.name;
  messages.push(last);
  return { model: s.model, messages, ...s.params };
}

/**
 * A model that answers `answer#<n>` and remembers for which identity it produced each answer.
 * The cache hands the caller's request object to the model, so the identity is found by object.
 */
class IdentityModel implements ChatModel {
  readonly id = 'identity-model';
  readonly producedFor = new Map<string, string>();
  readonly identityOfRequest = new WeakMap<ChatRequest, string>();
  calls = 0;

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const identity = this.identityOfRequest.get(request);
    if (identity === undefined) throw new Error('request of unknown identity');
    const content = `answer#${this.calls++}`;
    this.producedFor.set(content, identity);
    return { content, model: request.model, finishReason: 'stop' };
  }
}

interface Tally {
  requests: number;
  hits: number;
  semanticHits: number;
  shared: number;
  crossScope: number;
  rejectedOutOfScope: number;
}

async function runIsolation(
  label: string,
  exactStore: ExactStore,
  vectorStore: VectorStore,
  runs = RUNS,
): Promise<Tally> {
  const model = new IdentityModel();
  const embedder = new BagOfWordsEmbedder(vectorStore.dimension);
  const cache = new SemanticCache({
    exactStore,
    vectorStore,
    embedder,
    model,
    // Every candidate above the threshold is served: only the scope filter stands between
    // scopes.
    guard: ACCEPT_ALL,
    // A fresh version per suite keeps this run's scopes apart from any earlier run on a shared server.
    version: `isolation-${randomBytes(6).toString('hex')}`,
    minSimilarity: 0.9,
    ttlRules: [],
    temperatureLimit: 2,
  });
  const tally: Tally = {
    requests: 0,
    hits: 0,
    semanticHits: 0,
    shared: 0,
    crossScope: 0,
    rejectedOutOfScope: 0,
  };
  try {
    await fc.assert(
      fc.asyncProperty(batchArb, async (specs) => {
        let crossInRun = 0;
        for (let i = 0; i < specs.length; i += CONCURRENCY) {
          const chunk = specs.slice(i, i + CONCURRENCY);
          const results = await Promise.all(
            chunk.map(async (spec) => {
              const request = requestOf(spec);
              const identity = identityOf(spec);
              model.identityOfRequest.set(request, identity);
              const options = {
                ...(spec.tenant === undefined ? {} : { tenant: spec.tenant }),
                ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
              };
              return { identity, result: await cache.complete(request, options) };
            }),
          );
          for (const { identity, result } of results) {
            tally.requests++;
            if (result.source === 'exact' || result.source === 'semantic') tally.hits++;
            if (result.source === 'semantic') tally.semanticHits++;
            if (result.shared) tally.shared++;
            tally.rejectedOutOfScope += result.rejected.filter((r) =>
              r.reasons.includes('outside the scope or below minSimilarity'),
            ).length;
            // Every answer a caller receives must have been produced for its own identity.
            if (model.producedFor.get(result.response.content) !== identity) {
              tally.crossScope++;
              crossInRun++;
            }
          }
        }
        return crossInRun === 0;
      }),
      { numRuns: runs, endOnFailure: true },
    );
  } finally {
    await cache.clear().catch(() => undefined);
    await cache.close();
  }
  figure(
    `isolation (${label})`,
    `${tally.requests} requests, ${tally.hits} hits (${tally.semanticHits} semantic, ${tally.shared} shared flights), ${tally.crossScope} cross-scope hits`,
  );
  return tally;
}

describe('scope isolation property (fast-check)', () => {
  it('memory + lsh: ≥10,000 random requests over tenants, namespaces, models, system prompts, turns and params give zero cross-scope hits', async () => {
    const tally = await runIsolation(
      'memory + lsh',
      new MemoryExactStore({ maxEntries: 100_000 }),
      new LshVectorStore({ dimension: 64 }),
    );
    expect(tally.requests).toBeGreaterThanOrEqual(10_000);
    expect(tally.crossScope).toBe(0);
    // The property only means something if hits, semantic ones included, happen within scopes.
    expect(tally.hits).toBeGreaterThan(1_000);
    expect(tally.semanticHits).toBeGreaterThan(100);
  }, 240_000);

  it('a vector store that ignores the scope filter returns other scopes’ entries, and the cache still serves none of them', async () => {
    const blind = new ScopeBlindVectorStore(64);
    const tally = await runIsolation(
      'memory + scope-blind store',
      new MemoryExactStore(),
      blind,
      4,
    );
    expect(blind.foreignMatches).toBeGreaterThan(100);
    expect(tally.rejectedOutOfScope).toBeGreaterThan(100);
    expect(tally.crossScope).toBe(0);
    figure(
      'isolation (scope-blind store)',
      `${blind.foreignMatches} cross-scope candidates returned by the store, ${tally.crossScope} served`,
    );
  }, 120_000);
});

describeWithServer(
  'scope isolation property on Redis (REDIS_URL)',
  envSkipReason('REDIS_URL'),
  () => {
    it('redis + lsh: ≥10,000 random requests give zero cross-scope hits', async () => {
      const store = new RedisExactStore({
        url: process.env.REDIS_URL,
        prefix: `reliability:${randomBytes(6).toString('hex')}:`,
      });
      const tally = await runIsolation('redis + lsh', store, new LshVectorStore({ dimension: 64 }));
      expect(tally.requests).toBeGreaterThanOrEqual(10_000);
      expect(tally.crossScope).toBe(0);
      expect(tally.hits).toBeGreaterThan(1_000);
    }, 240_000);
  },
);

const pgBackend = BACKENDS.find((b) => b.label === 'redis + pgvector (PostgreSQL)') as Backend;

describeWithServer(
  'scope isolation property on PostgreSQL + pgvector (REDIS_URL, DATABASE_URL)',
  pgBackend.skip,
  () => {
    afterAll(closeSharedDatabases);
    it('redis + pgvector: ≥10,000 random requests give zero cross-scope hits', async () => {
      const b = await pgBackend.open();
      try {
        const tally = await runIsolation(
          'redis + pgvector (PostgreSQL)',
          b.exactStore,
          b.vectorStore,
        );
        expect(tally.requests).toBeGreaterThanOrEqual(10_000);
        expect(tally.crossScope).toBe(0);
        expect(tally.hits).toBeGreaterThan(1_000);
        expect(tally.semanticHits).toBeGreaterThan(100);
      } finally {
        await b.close();
      }
    }, 300_000);
  },
);
