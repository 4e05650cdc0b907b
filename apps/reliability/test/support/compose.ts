import {
  type ExactStore,
  SemanticCache,
  type SemanticCacheOptions,
  StandInChatModel,
  type VectorStore,
} from '@cache/core';
import { BagOfWordsEmbedder } from './bag-of-words-embedder.js';

/** What `composeCache` builds: the cache and the parts a test inspects. */
export interface Composed {
  cache: SemanticCache;
  model: StandInChatModel;
  embedder: BagOfWordsEmbedder;
  /** Every failure the cache absorbed, by where it happened. */
  failures: { where: string; error: unknown }[];
}

/**
 * A SemanticCache over the given stores with the bag-of-words embedder and an instant
 * StandInChatModel, recording every absorbed failure.
 */
export function composeCache(
  exactStore: ExactStore,
  vectorStore: VectorStore | undefined,
  extra: Partial<SemanticCacheOptions> = {},
): Composed {
  const model = new StandInChatModel({ delayMs: 0 });
  const embedder = new BagOfWordsEmbedder(vectorStore?.dimension ?? 64);
  const failures: Composed['failures'] = [];
  const cache = new SemanticCache({
    exactStore,
    ...(vectorStore === undefined ? {} : { vectorStore, embedder }),
    model,
    minSimilarity: 0.9,
    ttlRules: [],
    onError: (error, where) => failures.push({ where, error }),
    ...extra,
  });
  return { cache, model, embedder, failures };
}

/** `n` distinct prompts that no default rule treats specially. */
export function prompts(n: number, topic = 'topic'): string[] {
  return Array.from({ length: n }, (_, i) => `explain ${topic} item ${i} in plain words ${i * 7}`);
}

/** A one-turn chat request for `prompt`. */
export function ask(prompt: string, model = 'test-model') {
  return { model, messages: [{ role: 'user' as const, content: prompt }] };
}
