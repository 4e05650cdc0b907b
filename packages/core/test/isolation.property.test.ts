import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChatMessage,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  cosineSimilarity,
  MemoryExactStore,
  SemanticCache,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
} from '../src/index.js';
import { BruteForceVectorStore, WordEmbedder } from './helpers.js';

/** Ignores the scope filter on purpose: only the cache's own checks keep scopes apart. */
class LeakyVectorStore extends BruteForceVectorStore {
  override async search(vector: Float32Array, o: VectorSearchOptions): Promise<VectorMatch[]> {
    const out: VectorMatch[] = [];
    for (const r of this.records.values() as Iterable<VectorRecord>) {
      const similarity = cosineSimilarity(vector, r.vector);
      if (similarity >= o.minSimilarity) out.push({ key: r.key, similarity });
    }
    return out.sort((a, b) => b.similarity - a.similarity).slice(0, o.k);
  }
}

/** Answers with a fingerprint of everything that defines the scope, so a cross-scope hit shows. */
class FingerprintModel implements ChatModel {
  readonly id = 'fingerprint';
  async complete(request: ChatRequest): Promise<ChatResponse> {
    return { content: contextOf(request, undefined), model: request.model, finishReason: 'stop' };
  }
}

function contextOf(request: ChatRequest, tenant: string | undefined): string {
  return JSON.stringify({
    tenant,
    model: request.model,
    earlier: request.messages.slice(0, -1),
    temperature: request.temperature,
  });
}

const prompts = [
  'what is the capital of france',
  'what is the capital of france please',
  'what is the capital city of france',
  'how do i sort a list in python',
  'how do i sort a python list',
  'explain recursion',
  'explain recursion simply',
];

const requestArb = fc.record({
  tenant: fc.constantFrom('acme', 'globex', 'initech'),
  model: fc.constantFrom('gpt-a', 'gpt-b'),
  system: fc.constantFrom(undefined, 'Be brief.', 'Answer in French.'),
  turns: fc.constantFrom<ChatMessage[]>(
    [],
    [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ],
  ),
  temperature: fc.constantFrom(undefined, 0, 0.5),
  prompt: fc.constantFrom(...prompts),
});

describe('scope isolation (property)', () => {
  it('10,000 random requests: zero hits across tenants, models, system prompts, turns and params', async () => {
    let requests = 0;
    let hits = 0;
    let offered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 100, maxLength: 100 }), async (batch) => {
        const embedder = new WordEmbedder(64);
        const tenantOfAnswer = new Map<string, string>();
        const cache = new SemanticCache({
          exactStore: new MemoryExactStore(),
          vectorStore: new LeakyVectorStore(embedder.dimension),
          embedder,
          model: new FingerprintModel(),
          minSimilarity: 0.3,
          k: 10,
          ttlRules: [],
        });
        for (const r of batch) {
          const messages: ChatMessage[] = [];
          if (r.system !== undefined) messages.push({ role: 'system', content: r.system });
          messages.push(...r.turns, { role: 'user', content: r.prompt });
          const request: ChatRequest = { model: r.model, messages };
          if (r.temperature !== undefined) request.temperature = r.temperature;
          const result = await cache.complete(request, { tenant: r.tenant });
          requests++;
          offered += result.rejected.filter((c) =>
            c.reasons[0]?.startsWith('outside the scope'),
          ).length;
          const key = result.matchedKey ?? result.key ?? '';
          if (result.source === 'model') tenantOfAnswer.set(key, r.tenant);
          else {
            hits++;
            expect(tenantOfAnswer.get(key)).toBe(r.tenant);
          }
          expect(result.response.content).toBe(contextOf(request, undefined));
        }
      }),
      { numRuns: 100 },
    );
    expect(requests).toBe(10_000);
    // Not vacuous: hits happened, and the leaky store offered cross-scope candidates the cache refused.
    expect(hits).toBeGreaterThan(500);
    expect(offered).toBeGreaterThan(1000);
  }, 120_000);
});
