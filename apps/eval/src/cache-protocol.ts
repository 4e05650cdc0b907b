import {
  type ChatRequest,
  MemoryExactStore,
  type RequestOptions,
  SemanticCache,
  type SemanticCacheOptions,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import type { LabeledPair } from './pairs-csv.js';
import type { Protocol } from './protocol.js';
import { type ProtocolMetrics, type RowOutcome, scoreOutcomes } from './protocol-metrics.js';

/** The answer stored for `question1`: it names the question, so a hit tells whose answer it is. */
export function answerFor(question1: string): string {
  return `answer to: ${question1}`;
}

function requestFor(prompt: string): ChatRequest {
  return { model: 'eval', messages: [{ role: 'user', content: prompt }] };
}

/** Options of {@link runCacheProtocol}. */
export interface CacheProtocolOptions {
  /** How the pairs are put to the cache (default `store-all`). */
  protocol?: Protocol;
  /** Extra cache options layered over the defaults (tests use a different embedder). */
  cacheOptions?: Partial<SemanticCacheOptions>;
  /** Called after each stored or looked-up row, for progress output. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs a protocol (see {@link Protocol}) through a real `SemanticCache` in its default
 * configuration (MemoryExactStore, LshVectorStore, LocalEmbedder, default guard). `store-all`
 * (the protocol of ../shared/eval/README.md): all rows in one scope, every question1 stored
 * (identical ones share an entry), then every question2 looked up. `pairwise`: row i in
 * namespace `pair-i` (namespaces scope hard): its question1 stored, its question2 looked up.
 * The one change to the defaults is `ttlRules: []`: the protocol stores every question1, and
 * the default rules would refuse to store prompts that mention "my password".
 */
export async function runCacheProtocol(
  pairs: readonly LabeledPair[],
  options: CacheProtocolOptions = {},
): Promise<ProtocolMetrics> {
  const embedder = options.cacheOptions?.embedder ?? new LocalEmbedder();
  const cache = new SemanticCache({
    exactStore: new MemoryExactStore({ maxEntries: Math.max(10_000, pairs.length * 2) }),
    vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
    embedder,
    ttlRules: [],
    ...options.cacheOptions,
  });
  const pairwise = options.protocol === 'pairwise';
  const scopeOf = (i: number): RequestOptions => (pairwise ? { namespace: `pair-${i}` } : {});
  try {
    const stored = new Set<string>();
    const total = pairs.length * 2;
    let done = 0;
    for (const [i, p] of pairs.entries()) {
      if (pairwise || !stored.has(p.question1)) {
        stored.add(p.question1);
        const result = await cache.store(
          requestFor(p.question1),
          { content: answerFor(p.question1), model: 'eval', finishReason: 'stop' },
          scopeOf(i),
        );
        if (!result.stored) {
          throw new Error(
            `row ${p.line}: question1 was not stored (${result.reason ?? 'no reason given'})`,
          );
        }
      }
      options.onProgress?.(++done, total);
    }
    const outcomes: RowOutcome[] = [];
    for (const [i, p] of pairs.entries()) {
      const result = await cache.lookup(requestFor(p.question2), scopeOf(i));
      outcomes.push({
        isDuplicate: p.isDuplicate,
        hit: result.hit,
        fromOwnQuestion: result.hit && result.response?.content === answerFor(p.question1),
      });
      options.onProgress?.(++done, total);
    }
    return scoreOutcomes(outcomes);
  } finally {
    await cache.close();
  }
}
