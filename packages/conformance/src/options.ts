import type { ChatModel } from '@cache/core';

/** Options every suite accepts. */
export interface SuiteOptions {
  /**
   * Skip the whole suite, giving the reason (e.g. `QDRANT_URL is not set`). Under
   * `CACHE_REQUIRE_SERVERS=1` a skipped suite fails instead, so CI cannot pass without its
   * servers. `false`, `undefined` or an empty string run the suite.
   */
  skip?: string | false;
  /** Timeout of each test and hook in milliseconds (default 10,000; remote servers may need more). */
  timeoutMs?: number;
}

/** Capabilities and tuning of {@link exactStoreSuite}. */
export interface ExactStoreSuiteOptions extends SuiteOptions {
  /** TTL used by the expiry test, in ms (default 200). */
  shortTtlMs?: number;
  /**
   * How long the expiry test waits beyond `shortTtlMs` before expecting the entry gone
   * (default 300 ms). It is a real wait, not a timing assertion: raise it for stores whose
   * expiry is coarse.
   */
  expiryGraceMs?: number;
  /** Size in bytes (UTF-16 code units) of the large value (default 1 MiB). */
  largeValueBytes?: number;
  /** Number of concurrent `set` calls (default 200). */
  concurrentSets?: number;
}

/** Recall tolerance of an approximate (ANN) vector store. */
export interface ApproximateOptions {
  /**
   * Share of the brute-force reference matches (at least this much similar to the query) the
   * store must return, in (0, 1] (default 0.9). Scores it returns must still match the
   * reference within the score tolerance, and order and `minSimilarity` hold strictly.
   */
  minRecall?: number;
}

/** Capabilities and tuning of {@link vectorStoreSuite}. */
export interface VectorStoreSuiteOptions extends SuiteOptions {
  /** Dimension passed to the factory (default 32). */
  dimension?: number;
  /**
   * Set for approximate stores (LSH, HNSW): results may miss some true matches, within
   * `minRecall`, and far-away vectors (cosine ≤ 0.5) need not be found. Omit or `false` for
   * exact stores, which must return exactly the brute-force answer.
   */
  approximate?: ApproximateOptions | boolean;
  /** Largest allowed difference between a returned similarity and the reference (default 1e-4). */
  scoreTolerance?: number;
  /** Number of concurrent single-record upserts (default 1,000). */
  concurrentUpserts?: number;
  /** Seed of the test data generator (default 0x5eed); test data is reproducible. */
  seed?: number;
}

/** Capabilities and tuning of {@link embedderSuite}. */
export interface EmbedderSuiteOptions extends SuiteOptions {
  /** Expected `dimension`; when omitted only its consistency with the vectors is checked. */
  dimension?: number;
  /** When true, every vector must have unit length (within 1e-3). Default false: reported only. */
  normalized?: boolean;
  /**
   * Largest allowed per-value difference between a text embedded alone and in a batch, and
   * between repeated calls (default 1e-4).
   */
  tolerance?: number;
  /** Texts to embed (default: a few short English sentences). At least three. */
  texts?: string[];
}

/** Capabilities and tuning of {@link chatModelSuite}. */
export interface ChatModelSuiteOptions extends SuiteOptions {
  /** Model name used in requests (default `conformance-model`). */
  model?: string;
  /** The prompt used by the completion tests (default `Say hello in one word.`). */
  prompt?: string;
  /**
   * True when the model answers the same request with the same text (stand-ins, fakes): then
   * a stream must join to exactly `complete`'s content. Default false.
   */
  deterministic?: boolean;
  /**
   * A second model that fails every call (e.g. pointed at a closed port or with a bad key); its
   * `complete` (and `stream`) must reject with a `CacheError` subclass.
   */
  failingFactory?: () => ChatModel | Promise<ChatModel>;
  /** Whether a call with an already-aborted signal must reject (default true). */
  abortable?: boolean;
  /**
   * The model supports tool calls: asked with a `get_weather` tool and a question that needs
   * it, it must answer with a tool call (id, name, JSON arguments; streamed as pieces that
   * assemble to it), and given the tool's result it must answer with text. `toolChoice` is sent
   * along when given (to force the call on a real model). Default: not checked.
   */
  tools?: boolean | { toolChoice?: unknown };
}
