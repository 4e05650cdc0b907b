/**
 * What the steps of a request share: the cache's resolved config, counters, embedder batcher
 * and owed vectors, and `attempt`, which turns a store or embedder failure into a miss (or a
 * typed error with `failMode: 'closed'`).
 */
import type { ResolvedCacheConfig } from './cache-config.js';
import { CallDeadlines } from './call-deadlines.js';
import { type CircuitBreakers, CircuitOpenError } from './circuit-breaker.js';
import type { EmbeddingBatcher } from './embedding-batcher.js';
import { CacheError, StoreUnavailableError, TimeoutError } from './errors.js';
import type { CacheMetrics } from './metrics.js';
import type { Prepared } from './prepared-request.js';
import type { PromptMemo } from './prompt-memo.js';
import type { CacheEntry } from './types.js';
import type { VectorRepairs } from './vector-repairs.js';

/** The state of one `SemanticCache` that its request steps read and update. */
export interface CacheContext {
  /** Resolved options. */
  config: ResolvedCacheConfig;
  /** Counters behind `metrics()`. */
  counters: CacheMetrics;
  /** Embedder with batching and remembered embeddings; undefined without an embedder. */
  batcher: EmbeddingBatcher | undefined;
  /** Vectors owed to the vector store. */
  repairs: VectorRepairs;
  /** Store-call deadlines, one shared timer per timeout length (see {@link deadlinesFor}). */
  deadlines: Map<number, CallDeadlines>;
  /** Digests, TTL rules and languages of recent prompts. */
  prompts: PromptMemo;
  /** One circuit breaker per component: a failing store is skipped at once while open. */
  breakers: CircuitBreakers;
}

/** A hit found by the exact or semantic layer. */
export interface Hit {
  /** Layer that found it. */
  source: 'exact' | 'semantic';
  /** The stored entry. */
  entry: CacheEntry;
  /** Similarity of a semantic hit. */
  similarity?: number;
}

/** The value of a call that succeeded, or nothing for one that failed (and was absorbed). */
export type Attempt<T> = { ok: true; value: T } | { ok: false };

/**
 * Runs one store/embedder call with a timeout, through the component's circuit breaker. A
 * failure is counted and reported; with `failMode: 'closed'` (and `mayThrow`) it is thrown as a
 * typed error, otherwise it is a miss. While the circuit is open the call is not made: the
 * request gets `<where>` and `<where>:circuit-open` in its failures and costs no wait.
 */
export async function attempt<T>(
  ctx: CacheContext,
  where: string,
  timeoutMs: number | undefined,
  op: () => Promise<T>,
  p: Prepared,
  mayThrow = true,
): Promise<Attempt<T>> {
  try {
    const deadlines = deadlinesFor(ctx, timeoutMs);
    const call =
      deadlines === undefined
        ? op
        : () =>
            deadlines.run(op, () => new TimeoutError(`${where} store call`, deadlines.timeoutMs));
    const value = await ctx.breakers.run(where, call, () => p.options.signal?.aborted === true);
    return { ok: true, value };
  } catch (error) {
    if (p.options.signal?.aborted === true) throw p.options.signal.reason;
    if (error instanceof CircuitOpenError) {
      ctx.counters.recordError(`${where}:circuit-open`);
      p.failures.push(where, `${where}:circuit-open`);
      if (mayThrow && ctx.config.failMode === 'closed') throw error;
      return { ok: false };
    }
    absorb(ctx, error, where, p);
    if (mayThrow && ctx.config.failMode === 'closed') {
      throw error instanceof CacheError
        ? error
        : new StoreUnavailableError(
            where,
            `${messageOf(error)}. Check the server, or use failMode 'open' to answer from the model meanwhile.`,
            { cause: error },
          );
    }
    return { ok: false };
  }
}

/**
 * The deadlines of store calls with a timeout of `ms` (undefined when `ms` sets none). Sharing one
 * timer per length, instead of setting and clearing one around each call, keeps the wrapper of
 * every exact-hit lookup to a queue push and a flag.
 */
function deadlinesFor(ctx: CacheContext, ms: number | undefined): CallDeadlines | undefined {
  if (ms === undefined || ms <= 0 || !Number.isFinite(ms)) return undefined;
  let deadlines = ctx.deadlines.get(ms);
  if (deadlines === undefined) {
    deadlines = new CallDeadlines(ms);
    ctx.deadlines.set(ms, deadlines);
  }
  return deadlines;
}

/** Counts a failure, records it on the request and passes it to the `onError` hook. */
export function absorb(ctx: CacheContext, error: unknown, where: string, p: Prepared): void {
  ctx.counters.recordError(where);
  p.failures.push(where);
  if (ctx.config.onError !== undefined) {
    try {
      ctx.config.onError(error, where);
    } catch (hookError) {
      ctx.config.onHookError(hookError);
    }
  }
}

/** The message of a thrown value, whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
