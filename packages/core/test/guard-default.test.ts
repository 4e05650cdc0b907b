import { describe, expect, it } from 'vitest';
import {
  type ChatRequest,
  DEFAULT_OPERATING_POINT,
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
} from '../src/index.js';
import { BruteForceVectorStore, WordEmbedder } from './helpers.js';

function ask(content: string): ChatRequest {
  return { model: 'm', messages: [{ role: 'user', content }] };
}

function setup(minSimilarity?: number) {
  const embedder = new WordEmbedder(256, 'uncalibrated/words');
  return new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: new BruteForceVectorStore(embedder.dimension),
    embedder,
    model: new StandInChatModel({ delayMs: 0 }),
    ...(minSimilarity === undefined ? {} : { minSimilarity }),
  });
}

describe('SemanticCache without a guard option', () => {
  it('uses the answer-quality guard by default and reports its reasons', async () => {
    const cache = setup(0.5);
    await cache.complete(ask('how many legs does a spider have if it has 8 eyes'));
    const near = await cache.complete(ask('how many legs does a spider have if it has 6 eyes'));
    expect(near.source).toBe('model');
    expect(near.rejected[0]?.reasons).toContain('number: 6 vs 8');
    const same = await cache.complete(ask('How many legs does a spider have if it has 8 eyes'));
    expect(same.source).toBe('semantic');
    await cache.close();
  });

  it("takes the operating point's floor as minSimilarity unless one is given", async () => {
    expect(DEFAULT_OPERATING_POINT.minSimilarity).toBe(0.95);
    // Bag-of-words cosine of these two is 8 / sqrt(8 × 11) ≈ 0.85; the extra words are fillers.
    const stored = 'what is the tallest mountain in the alps';
    const query = 'tell me what is the tallest mountain in the alps please';
    const strict = setup();
    await strict.complete(ask(stored));
    expect((await strict.complete(ask(query))).source).toBe('model');
    await strict.close();
    const lax = setup(0.8);
    await lax.complete(ask(stored));
    expect((await lax.complete(ask(query))).source).toBe('semantic');
    await lax.close();
  });
});
