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
  /** Semantic candidates the guard rejected. */
  guardRejections: number;
  /** Vector records whose entry was gone, dropped and deleted. */
  orphansCleaned: number;
  /** Entries written. */
  stores: number;
  /** Vectors written late, once the vector store answered again after a failure. */
  vectorsRepaired: number;
}
