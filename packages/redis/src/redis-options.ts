import type { CorruptEntryError } from '@cache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * How to reach Redis. Give exactly one of `url`, `redisOptions` (alone), `cluster` or `client`;
 * `url` may be combined with `redisOptions` to tune the connection.
 */
export interface RedisExactStoreOptions {
  /** A `redis://` or `rediss://` URL of a standalone server, e.g. `redis://127.0.0.1:6379/0`. */
  url?: string;
  /**
   * ioredis options of a standalone connection (alone, or added to `url`). They override the
   * store's fail-fast defaults ({@link FAIL_FAST_REDIS_OPTIONS}).
   */
  redisOptions?: RedisOptions;
  /** Seed nodes (and options) of a Redis Cluster; the store creates an ioredis `Cluster`. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /**
   * An existing ioredis `Redis` or `Cluster` client. The store uses it as configured (its own
   * offline-queue and retry settings apply; `operationTimeoutMs` still bounds every call) and
   * does not close it unless `closeClient` is true.
   */
  client?: Redis | Cluster;
  /**
   * Whether `close()` closes the client. Default: true when the store created the client,
   * false for a `client` passed in.
   */
  closeClient?: boolean;
  /** Prefix of every key (default `cache:`); must not hold `{` or `}`. */
  prefix?: string;
  /**
   * Upper bound in ms of every store call (default 5,000). A call still unanswered then rejects
   * with a retryable `StoreUnavailableError`, so nothing waits forever on a stalled server or
   * a Cluster that is reconnecting.
   */
  operationTimeoutMs?: number;
  /**
   * Server secret (at least 16 bytes) for entry integrity: values are written with an
   * HMAC-SHA256 of their key and content, and a value whose MAC does not match (forged, copied
   * under another key, or unsigned) is a miss, counted in `forgedEntries` and deleted. Every
   * instance sharing the Redis must use the same secret. Default: none (values unsigned).
   */
  secret?: string | Buffer;
  /** COUNT hint of the SCAN calls `clear` makes (default 500). */
  scanCount?: number;
  /**
   * Called with each stored value that could not be decoded, after it was counted and before it
   * is deleted; for logging. The value is reported to the caller as a miss.
   */
  onCorruptEntry?: (error: CorruptEntryError) => void;
}

/**
 * Connection defaults of the clients the store creates, chosen so that a call made while Redis
 * is down fails within about a second instead of waiting in ioredis's offline queue forever,
 * while a call made during a brief reconnect still goes through:
 * - `enableOfflineQueue: true`: calls made while (re)connecting are queued, so the first call
 *   after a restart succeeds as soon as the client is back, without a new store;
 * - `maxRetriesPerRequest: 1`: a queued call is rejected after the second failed reconnect
 *   attempt (the ioredis default, 20, keeps it waiting for many seconds);
 * - `retryStrategy`: reconnect forever, 50 ms after the first failure, growing to 500 ms;
 * - `connectTimeout: 2000`: a silent host counts as a failed attempt after 2 s.
 */
export const FAIL_FAST_REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (times: number) => Math.min(times * 50, 500),
};

/**
 * Cluster defaults of the clients the store creates; node connections use
 * {@link FAIL_FAST_REDIS_OPTIONS}. ioredis queues Cluster calls without a retry bound while the
 * whole cluster reconnects, which `operationTimeoutMs` caps.
 */
export const FAIL_FAST_CLUSTER_OPTIONS: ClusterOptions = {
  enableOfflineQueue: true,
  clusterRetryStrategy: (times: number) => Math.min(100 + times * 50, 1_000),
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  maxRedirections: 16,
};
