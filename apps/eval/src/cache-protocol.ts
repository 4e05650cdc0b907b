import {
  type ChatRequest,
  MemoryExactStore,
  SemanticCache,
  type SemanticCacheOptions,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import type { LabeledPair } from './pairs-csv.js';
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
  /** Extra cache options layered over the defaults (tests use a different embedder). */
  cacheOptions?: Partial<SemanticCacheOptions>;
  /** Called after each stored or looked-up row, for progress output. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the cache protocol of ../shared/eval/README.md through a real `SemanticCache` in its
 * default configuration (MemoryExactStore, LshVectorStore, LocalEmbedder, default guard), all
 * rows in one scope: stores every question1 (identical ones share an entry), then looks up every
 * question2. The one change to the defaults is `ttlRules: []`: the protocol stores every
 * question1, and the default rules would refuse to store prompts that mention "my password".
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
  try {
    const stored = new Set<string>();
    const total = pairs.length * 2;
    let done = 0;
    for (const p of pairs) {
      if (!stored.has(p.question1)) {
        stored.add(p.question1);
        const result = await cache.store(requestFor(p.question1), {
          content: answerFor(p.question1),
          model: 'eval',
          finishReason: 'stop',
        });
        if (!result.stored) {
          throw new Error(
            `row ${p.line}: question1 was not stored (${result.reason ?? 'no reason given'})`,
          );
        }
      }
      options.onProgress?.(++done, total);
    }
    const outcomes: RowOutcome[] = [];
    for (const p of pairs) {
      const result = await cache.lookup(requestFor(p.question2));
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
