import type { CacheSource } from './cache-result.js';
import type { CircuitStateName } from './circuit-breaker.js';

/** Latency percentiles of one source, from a bounded reservoir of recent samples. */
export interface LatencySummary {
  /** Samples observed in total. */
  count: number;
  /** Mean over the reservoir, ms. */
  meanMs: number;
  /** Median, ms. */
  p50Ms: number;
  /** 99th percentile, ms. */
  p99Ms: number;
  /** Largest sample in the reservoir, ms. */
  maxMs: number;
}

/**
 * What the optional judge did (all zero without one). Every candidate in the judge's band is
 * counted once in `accepted` or `rejected`; `failures` and `budgetExhausted` are rejections too.
 */
export interface JudgeMetrics {
  /** Calls made to the judge's model (failed ones included). */
  calls: number;
  /** Candidates the judge said yes to (remembered verdicts included). */
  accepted: number;
  /** Candidates rejected through the judge: it said no, failed, or had no budget left. */
  rejected: number;
  /** Calls that failed, timed out or got an answer other than yes or no. */
  failures: number;
  /** Candidates rejected uncalled because the budget of calls per minute was spent. */
  budgetExhausted: number;
  /** Verdicts served from the judge's memory, without a call. */
  cacheHits: number;
}

/** A copy of the cache's counters at one moment. */
export interface MetricsSnapshot {
  /** Calls counted (`complete`, `stream`, `lookup`). */
  requests: number;
  /** Answers by source. */
  bySource: Record<CacheSource, number>;
  /** Cacheable requests not found in the cache (model calls or cache-aside misses). */
  misses: number;
  /** (exact + semantic) / (exact + semantic + misses); 0 with no cacheable request. */
  hitRate: number;
  /** Failures by store name (`memory`, `redis`, `lsh`, `embedder`...), timeouts included. */
  errors: Record<string, number>;
  /**
   * Circuit-breaker state of every component that was called (`redis`, `lsh`, `embedder`...):
   * `open` means its calls are skipped (counted as `<component>:circuit-open` in `errors`).
   */
  circuits: Record<string, CircuitStateName>;
  /** Latency per source. */
  latency: Record<CacheSource, LatencySummary>;
  /** Model calls actually made. */
  modelCalls: number;
  /** Callers that shared another caller's in-flight model call. */
  sharedCalls: number;
  /** Tokens of the answers served from the cache (usage of the stored response). */
  tokensSaved: number;
  /** Estimated cost of those tokens, from `SemanticCacheOptions.cost`. */
  costSaved: number;
  /** Refreshes of an existing entry, and how many of them got a different answer. */
  staleness: { refreshes: number; compared: number; changed: number };
  /** Hits reported wrong through `reportWrongHit`. */
  wrongHits: number;
  /** Semantic candidates the guard (or the judge) rejected. */
  guardRejections: number;
  /** Semantic lookups skipped because the prompt is outside the embedder's or the guard's coverage. */
  semanticSkips: number;
  /** What the optional judge of the uncertain band did. */
  judge: JudgeMetrics;
  /** Vector records whose entry was gone, dropped and deleted. */
  orphansCleaned: number;
  /** Entries written. */
  stores: number;
  /** Vectors written late, once the vector store answered again after a failure. */
  vectorsRepaired: number;
}
