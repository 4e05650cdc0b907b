import type { RequestOptions } from './cache-options.js';
import type { CacheResult, CacheStream, LookupResult, StoreResult } from './cache-result.js';
import type { MetricsSnapshot } from './metrics-snapshot.js';
import type { ChatRequest, ChatResponse } from './types.js';

/** The public surface of `SemanticCache`, for code that wants to accept any implementation. */
export interface SemanticCacheApi {
  /**
   * Read-through: answers from the cache when it can, otherwise calls the model, stores the
   * answer (unless policy or `noStore` says not to) and returns it.
   */
  complete(request: ChatRequest, options?: RequestOptions): Promise<CacheResult>;
  /** Read-through streaming: hits are replayed as chunks; a streamed miss is stored once complete. */
  stream(request: ChatRequest, options?: RequestOptions): Promise<CacheStream>;
  /** Cache-aside lookup: never calls the model. */
  lookup(request: ChatRequest, options?: RequestOptions): Promise<LookupResult>;
  /** Cache-aside store of an answer obtained elsewhere. Policy still applies. */
  store(
    request: ChatRequest,
    response: ChatResponse,
    options?: RequestOptions,
  ): Promise<StoreResult>;
  /**
   * Marks the entry under `key` as a wrong answer: deletes it from both stores and counts it.
   * Resolves true when an entry was removed.
   */
  reportWrongHit(key: string): Promise<boolean>;
  /** Deletes one entry (both stores). */
  delete(key: string): Promise<boolean>;
  /** Clears one scope, or everything the stores own. */
  clear(scope?: string): Promise<void>;
  /** Counters since construction (or the last `resetMetrics`). */
  metrics(): MetricsSnapshot;
  /** Zeroes the counters. */
  resetMetrics(): void;
  /** Closes the stores and the embedder; later calls reject with `ClosedError`. */
  close(): Promise<void>;
}
