import type { ChatChunk, ChatResponse } from './types.js';

/** Where an answer came from. */
export type CacheSource = 'exact' | 'semantic' | 'model' | 'bypass';

/** Outcome of a cache-aside lookup. */
export type LookupSource = 'exact' | 'semantic' | 'miss' | 'bypass';

/** How long each step took, in milliseconds; steps that did not run are absent. */
export interface StepTimings {
  /** Validation, policy and scope hashing. */
  policyMs?: number;
  /** Exact-store lookup. */
  exactMs?: number;
  /** Waiting on another caller's in-flight model call (single-flight follower). */
  waitMs?: number;
  /** Embedding the prompt (LRU or embedder). */
  embedMs?: number;
  /** Vector search plus fetching candidates from the exact store. */
  searchMs?: number;
  /** Guard decisions (the judge's included). */
  guardMs?: number;
  /** Waiting on the optional judge (part of `guardMs`). */
  judgeMs?: number;
  /** The model call. */
  modelMs?: number;
  /** Writing the entry and its vector. */
  storeMs?: number;
  /** The whole call. */
  totalMs: number;
}

/** A semantic candidate that was not served, and why. */
export interface RejectedCandidate {
  /** Entry key of the candidate. */
  key: string;
  /** Its cosine similarity to the query. */
  similarity: number;
  /** Why it was dropped (guard reasons, or `entry gone`). */
  reasons: string[];
}

/** Result of `SemanticCache.complete` (and the final result of a stream). */
export interface CacheResult {
  /** The answer. */
  response: ChatResponse;
  /** Where it came from. */
  source: CacheSource;
  /**
   * Entry key of the request (`<scope>:<digest>`). A semantic hit serves another entry,
   * `matchedKey`: report a wrong answer with `reportWrongHit(result.matchedKey ?? result.key)`.
   */
  key?: string;
  /** Scope hash of the request. */
  scope?: string;
  /** For `semantic`: cosine similarity of the served candidate. */
  similarity?: number;
  /** For `semantic`: the stored prompt whose answer was served. */
  matchedPrompt?: string;
  /** For `semantic`: key of the served entry (differs from `key`). */
  matchedKey?: string;
  /** For hits: age of the served entry in ms. 0 for fresh model answers. */
  ageMs: number;
  /** True when this call wrote an entry. */
  stored: boolean;
  /** TTL the entry was (or would have been) stored with. */
  ttlMs?: number;
  /** TTL rule category that matched, if any. */
  category?: string;
  /** Why the answer was not cached or not served from cache (e.g. `temperature 1 > 0.8`). */
  reason?: string;
  /**
   * Why no semantic lookup was made: the request may only hit exactly (it has tools, say), or the
   * prompt is outside what the embedder or the guard covers.
   */
  semanticSkip?: string;
  /** True when this call waited on another caller's model call for the same key. */
  shared: boolean;
  /** For a refresh: whether the model's new answer differs from the stored one (absent when nothing was stored). */
  changed?: boolean;
  /** Semantic candidates considered and dropped. */
  rejected: RejectedCandidate[];
  /** Names of stores/embedder that failed during this call (fail-open). */
  failures: string[];
  /** Step timings. */
  timings: StepTimings;
}

/** Result of `SemanticCache.lookup` (cache-aside). */
export interface LookupResult {
  /** True for `exact` and `semantic`. */
  hit: boolean;
  /** What the lookup found. */
  source: LookupSource;
  /** The cached answer, on a hit. */
  response?: ChatResponse;
  /** Entry key of the request. */
  key?: string;
  /** Scope hash of the request. */
  scope?: string;
  /** For `semantic`: cosine similarity of the served candidate. */
  similarity?: number;
  /** For `semantic`: the stored prompt whose answer was served. */
  matchedPrompt?: string;
  /** For `semantic`: key of the served entry. */
  matchedKey?: string;
  /** On a hit: age of the entry in ms. */
  ageMs?: number;
  /** False when policy says this request must not be stored (then `store` will not store it). */
  cacheable: boolean;
  /** TTL a `store` of this request would use. */
  ttlMs?: number;
  /** TTL rule category that matched, if any. */
  category?: string;
  /** Why the request is not cacheable or was not looked up. */
  reason?: string;
  /**
   * Why no semantic lookup was made: the request may only hit exactly (it has tools, say), or the
   * prompt is outside what the embedder or the guard covers.
   */
  semanticSkip?: string;
  /** Semantic candidates considered and dropped. */
  rejected: RejectedCandidate[];
  /** Names of stores/embedder that failed during this call (fail-open). */
  failures: string[];
  /** Step timings. */
  timings: StepTimings;
}

/** Result of `SemanticCache.store` (cache-aside). */
export interface StoreResult {
  /** Entry key written (or that would have been). */
  key?: string;
  /** True when the entry was written to the exact store. */
  stored: boolean;
  /** TTL used. */
  ttlMs?: number;
  /** Why nothing was stored (policy, noStore, store failure). */
  reason?: string;
  /** Names of stores that failed (fail-open). */
  failures: string[];
}

/** Result of `SemanticCache.stream`: known source up front, chunks to iterate, final result. */
export interface CacheStream {
  /** Where the answer comes from (`exact`/`semantic` hits are replayed as chunks). */
  source: CacheSource;
  /** Entry key of the request. */
  key?: string;
  /** For `semantic`: similarity of the served candidate. */
  similarity?: number;
  /** For `semantic`: key of the served entry (report wrong hits with `matchedKey ?? key`). */
  matchedKey?: string;
  /** True when the answer is an identical caller's in-flight model call, replayed (one call for both). */
  shared?: boolean;
  /** The answer, chunk by chunk. Iterate once; a failed model stream throws its typed error. */
  chunks: AsyncIterable<ChatChunk>;
  /** Resolves after the last chunk (and the store of a miss) with the full result, whether or not the chunks are read. */
  result: Promise<CacheResult>;
}

/** Passed to `onLookup` once per `complete`, `stream` or `lookup`. */
export interface LookupEvent {
  /** Which call produced the event. */
  operation: 'complete' | 'stream' | 'lookup';
  /** Outcome: a source, or `miss` for cache-aside lookups that missed. */
  source: CacheSource | 'miss';
  /** Entry key of the request. */
  key?: string;
  /** Scope hash. */
  scope?: string;
  /** Tenant of the request. */
  tenant?: string;
  /** For `semantic`: similarity of the served candidate. */
  similarity?: number;
  /** On hits: age of the entry. */
  ageMs?: number;
  /** Why bypassed / not stored. */
  reason?: string;
  /** Candidates dropped. */
  rejected: RejectedCandidate[];
  /** Failing stores (fail-open). */
  failures: string[];
  /** Step timings. */
  timings: StepTimings;
}
