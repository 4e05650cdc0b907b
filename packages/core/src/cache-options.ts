import type { LookupEvent } from './cache-result.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { JudgeOptions } from './judge/judge-options.js';
import type {
  ChatModel,
  ChatRequest,
  Embedder,
  ExactStore,
  HitGuard,
  VectorStore,
} from './types.js';

/** How the cache reacts when a store or the embedder fails or times out. */
export type FailMode = 'open' | 'closed';

/**
 * Maps requests to a time to live, or to "do not cache". Rules are tried in order; the first
 * that matches decides. Requests no rule matches get `SemanticCacheOptions.ttlMs`.
 */
export interface TtlRule {
  /** Category name, reported in results (`category`) and metrics (e.g. `realtime`). */
  name: string;
  /**
   * Matches the normalized prompt (a RegExp, tested against it) or the whole request (a
   * function receiving the normalized prompt and the request).
   */
  match: RegExp | ((prompt: string, request: ChatRequest) => boolean);
  /** Time to live in ms (positive integer) for matching requests, or `'no-store'` to never cache them. */
  ttlMs: number | 'no-store';
  /**
   * ISO 639-1 codes of the languages the rule's pattern understands (the default rules: `['en']`).
   * A prompt in a language none of the rules understands gets `unknownLanguageTtlMs`. Absent: any.
   */
  languages?: readonly string[];
}

/** Prompt normalization applied before hashing and embedding, besides what always applies (see `normalizePrompt`: NFC, line endings, trailing whitespace). */
export interface NormalizationOptions {
  /** Fold case (`What is X` and `what is x` share an entry). Default false. */
  caseFold?: boolean;
}

/** Per-step timeouts in milliseconds; a timed-out step counts as a store failure. */
export interface TimeoutOptions {
  /** Each exact-store call. Default 1000 ms. */
  exactStoreMs?: number;
  /** Each vector-store call. Default 2000 ms. */
  vectorStoreMs?: number;
  /** Each embedder call. Default 10000 ms. */
  embedderMs?: number;
  /** Each model call; default none (the model's own timeout applies). */
  modelMs?: number;
}

/** Prices used to estimate the cost saved by hits, in currency units per token. */
export interface CostOptions {
  /** Price of one prompt (input) token. Default 0. */
  promptTokenCost?: number;
  /** Price of one completion (output) token. Default 0. */
  completionTokenCost?: number;
}

/** Options of the `SemanticCache` constructor. Unknown keys are rejected with `InvalidOptionError`. */
export interface SemanticCacheOptions {
  /** Source of truth for entries and their expiry. Required. */
  exactStore: ExactStore;
  /** Vector index for paraphrase hits; without it (or without an embedder) only exact hits happen. */
  vectorStore?: VectorStore;
  /** Embeds prompts for the semantic layer; its dimension must equal the vector store's. */
  embedder?: Embedder;
  /** Called on a miss by `complete` and `stream`; `lookup`/`store` work without it. */
  model?: ChatModel;
  /**
   * Judges semantic candidates. Default: `createDefaultGuard(embedder.id)`, the answer-quality
   * guard at the embedder's calibrated operating point (a conservative one for embedders
   * without a calibrated point). Pass a guard that always accepts for the threshold alone.
   */
  guard?: HitGuard;
  /**
   * A chat model asked yes or no about the candidates whose guard score falls in `judge.band`
   * (see `JudgeOptions`). Off by default.
   */
  judge?: JudgeOptions;
  /** Namespace hashed into every scope (a request's `namespace` overrides it). Default `default`. */
  namespace?: string;
  /** Cache version hashed into every scope; bump it to invalidate everything. Default `1`. */
  version?: string;
  /**
   * Cosine similarity a semantic candidate must reach, in [-1, 1]. Default: with the default
   * guard, its operating point's floor (`operatingPointFor(embedder.id).minSimilarity`: 0.75
   * for `local/all-minilm-l6-v2@384`, 0.95 for uncalibrated embedders); with your own guard, 0.9.
   */
  minSimilarity?: number;
  /** Semantic candidates fetched per lookup (positive integer). Default 5. */
  k?: number;
  /** Default time to live in ms (positive integer). Default 24 h. */
  ttlMs?: number;
  /** Extend an entry's expiry by its TTL on each hit, never past `maxAgeMs` after creation. Default false. */
  slidingTtl?: boolean;
  /** With `slidingTtl`: the most an entry may live after it was created, in ms. Default 7 days. */
  maxAgeMs?: number;
  /** Prompt normalization settings. */
  normalization?: NormalizationOptions;
  /** Requests with a temperature above this are not cached (source `bypass`). Default 0.8. */
  temperatureLimit?: number;
  /** Category rules mapping a request to a TTL or to no-store. Default `DEFAULT_TTL_RULES`. */
  ttlRules?: readonly TtlRule[];
  /**
   * Policy for a prompt in a language none of the TTL rules understands (they could not tell
   * whether it is personal or time-sensitive): a TTL in ms, or `'no-store'` (default: such
   * prompts are answered by the model and not cached). Ignored when no rule declares languages.
   */
  unknownLanguageTtlMs?: number | 'no-store';
  /**
   * Languages whose prompts may be served semantic hits. Default: those the embedder covers
   * (`embedder.coverage.languages`, English when it declares none) and the guard analyzes
   * (`guard.languages`). Setting it lets prompts the guard cannot analyze be judged anyway; it
   * never widens what the embedder covers. Prompts in other languages hit exactly only.
   */
  semanticLanguages?: readonly string[] | '*';
  /** `open` (default): store failures become misses, counted. `closed`: they are thrown. */
  failMode?: FailMode;
  /** Per-step timeouts. */
  timeouts?: TimeoutOptions;
  /** Token prices, for the cost-saved metric. */
  cost?: CostOptions;
  /** Largest prompt (last user message, UTF-8 bytes) accepted. Default 1 MiB. */
  maxPromptBytes?: number;
  /** Entries of the embedding LRU (0 disables it). Default 10,000. */
  embeddingCacheSize?: number;
  /** Bytes the embedding LRU may hold (vectors and keys; positive integer). Default 64 MiB. */
  embeddingCacheBytes?: number;
  /**
   * Per-component circuit breakers (exact store, vector store, embedder): after a few
   * consecutive failures the component is skipped at once, and half-open probes bring it back.
   * `false` turns them off. Default `{ failures: 5, halfOpenAfterMs: 1000 }`.
   */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Most texts sent to the embedder in one batched call. Default 64. */
  maxEmbedBatch?: number;
  /** Called once per `complete`/`stream`/`lookup` with what happened. Errors it throws go to `onHookError`, never to the caller. */
  onLookup?: (event: LookupEvent) => void;
  /** Receives errors thrown by `onLookup`. Default: `console.error`. */
  onHookError?: (error: unknown) => void;
  /**
   * Receives every store, embedder or guard failure the cache absorbed (fail-open) or that
   * happened while storing an answer; `where` names the component (`memory`, `lsh`,
   * `embedder`...). Failures are also counted in metrics. Default: none.
   */
  onError?: (error: unknown, where: string) => void;
  /** Clock in epoch ms (for tests). Default `Date.now`. */
  now?: () => number;
}

/** Per-request options. Unknown keys are rejected with `InvalidOptionError`. */
export interface RequestOptions {
  /** Skip the cache: call the model, store nothing (source `bypass`). */
  bypass?: boolean;
  /** Skip lookup, call the model and overwrite the entry (records staleness). */
  refresh?: boolean;
  /** Look up as usual, but do not store the model's answer on a miss. */
  noStore?: boolean;
  /** Time to live for the entry this request stores (positive integer ms); overrides rules. */
  ttlMs?: number;
  /** Namespace for this request's scope, overriding the cache's. */
  namespace?: string;
  /** Tenant hashed into the scope: tenants never share entries. */
  tenant?: string;
  /** Aborts embedder and model calls. */
  signal?: AbortSignal;
  /** String metadata stored with the entry (no `__proto__`/`constructor`/`prototype` keys). */
  metadata?: Record<string, string>;
}
