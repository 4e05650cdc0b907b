import {
  type ExactStore,
  type HitGuard,
  type MetricsSnapshot,
  SemanticCache,
  type SemanticCacheOptions,
  StandInChatModel,
  type VectorStore,
} from '@cache/core';
import { BagOfWordsEmbedder } from './bag-of-words-embedder.js';

/**
 * A guard that accepts every candidate above the threshold. The tests here judge the stores and
 * the cache's plumbing, not answer quality: without it the default answer-quality guard would
 * reject the reordered-word paraphrases they use as semantic hits.
 */
export const ACCEPT_ALL: HitGuard = {
  id: 'accept-all',
  judge: () => ({ accept: true, reasons: [] }),
};

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
    guard: ACCEPT_ALL,
    minSimilarity: 0.9,
    ttlRules: [],
    onError: (error, where) => failures.push({ where, error }),
    ...extra,
  });
  return { cache, model, embedder, failures };
}

/**
 * Calls to `store` that failed plus those its open circuit breaker skipped: with the breaker,
 * a dead store is called a few times and then skipped, and both count as failures of the store.
 */
export function storeFailures(m: MetricsSnapshot, store: string): number {
  return (m.errors[store] ?? 0) + (m.errors[`${store}:circuit-open`] ?? 0);
}

/** `n` distinct prompts that no default rule treats specially. */
export function prompts(n: number, topic = 'topic'): string[] {
  return Array.from({ length: n }, (_, i) => `explain ${topic} item ${i} in plain words ${i * 7}`);
}

/** A one-turn chat request for `prompt`. */
export function ask(prompt: string, model = 'test-model') {
  return { model, messages: [{ role: 'user' as const, content: prompt }] };
}
