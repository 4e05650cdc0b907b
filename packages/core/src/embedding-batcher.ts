import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CacheError, EmbedderError, InvalidOptionError } from './errors.js';
import type { Embedder } from './types.js';
import { assertValidVector, normalize } from './vector.js';
import { raceAbort, withTimeout } from './with-timeout.js';

/** Options of `EmbeddingBatcher`. */
export interface EmbeddingBatcherOptions {
  /** Embeddings remembered (0 disables the LRU). Default 10,000. */
  cacheSize?: number;
  /** Bytes the LRU may hold, vectors and keys counted. Default {@link DEFAULT_EMBEDDING_CACHE_BYTES}. */
  cacheBytes?: number;
  /** Most texts per embedder call. Default 64. */
  maxBatch?: number;
  /** Timeout of each embedder call in ms; default none. */
  timeoutMs?: number;
}

/** Default byte budget of the embedding LRU: 64 MiB. */
export const DEFAULT_EMBEDDING_CACHE_BYTES = 64 * 1024 * 1024;

/** Texts longer than this are remembered under their SHA-256, not verbatim. */
const VERBATIM_KEY_CHARS = 512;

interface Pending {
  text: string;
  cacheKey: string;
  promise: Promise<Float32Array>;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Puts an LRU and batching in front of an embedder: texts seen before (same embedder id,
 * partition and text) come from the LRU; texts requested within the same tick (macrotask) are
 * sent in one `embed` call of at most `maxBatch` texts; the same text requested twice is
 * embedded once. Vectors come back validated and unit-length.
 *
 * The partition (the cache passes the request's scope, which holds the tenant) keeps callers
 * apart: one tenant's remembered or in-flight embedding never answers another's, so how fast an
 * embedding comes back tells nothing about what other tenants asked. The LRU is bounded by
 * count and by bytes; long texts are keyed by their SHA-256 instead of being kept.
 */
export class EmbeddingBatcher {
  /** The wrapped embedder. */
  readonly embedder: Embedder;
  private readonly lru: LRUCache<string, Float32Array> | undefined;
  private readonly maxBatch: number;
  private readonly timeoutMs: number | undefined;
  private queue = new Map<string, Pending>();
  private scheduled = false;
  private calls = 0;

  constructor(embedder: Embedder, options: EmbeddingBatcherOptions = {}) {
    this.embedder = embedder;
    const cacheSize = options.cacheSize ?? 10_000;
    const maxBatch = options.maxBatch ?? 64;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) {
      throw new InvalidOptionError(
        `embeddingCacheSize must be a non-negative integer, got ${String(cacheSize)}.`,
      );
    }
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 4096) {
      throw new InvalidOptionError(
        `maxEmbedBatch must be an integer from 1 to 4096, got ${String(maxBatch)}.`,
      );
    }
    const cacheBytes = options.cacheBytes ?? DEFAULT_EMBEDDING_CACHE_BYTES;
    if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 1) {
      throw new InvalidOptionError(
        `embeddingCacheBytes must be a positive integer, got ${String(cacheBytes)}.`,
      );
    }
    this.lru =
      cacheSize > 0
        ? new LRUCache<string, Float32Array>({
            max: cacheSize,
            maxSize: cacheBytes,
            // Vector bytes, key characters (UTF-16) and the map's own overhead per entry.
            sizeCalculation: (vector, key) => vector.byteLength + 2 * key.length + 128,
          })
        : undefined;
    this.maxBatch = maxBatch;
    this.timeoutMs = options.timeoutMs;
  }

  /** Embedder calls made so far (for tests and reports). */
  get embedCalls(): number {
    return this.calls;
  }

  /**
   * The unit-length embedding of `text`. Rejects with `EmbedderError` (or the signal's reason).
   * The returned array is shared with the LRU and other callers: treat it as read-only. The
   * batch window is one `setImmediate`, so with faked timers advance them to let it flush.
   * `partition` (default none) separates callers that must not see each other's embeddings.
   */
  embed(text: string, signal?: AbortSignal, partition = ''): Promise<Float32Array> {
    const cacheKey = this.cacheKeyOf(partition, text);
    const cached = this.lru?.get(cacheKey);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.queue.get(cacheKey);
    if (pending === undefined) {
      let resolve!: (vector: Float32Array) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<Float32Array>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      pending = { text, cacheKey, promise, resolve, reject };
      this.queue.set(cacheKey, pending);
      if (this.queue.size >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate waits until the current tick's microtasks (other lookups) have queued too.
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    }
    return raceAbort(pending.promise, signal);
  }

  /** Forgets every remembered embedding. */
  clear(): void {
    this.lru?.clear();
  }

  private cacheKeyOf(partition: string, text: string): string {
    const body = text.length <= VERBATIM_KEY_CHARS ? `v${text}` : `h${hash('sha256', text, 'hex')}`;
    return `${this.embedder.id}\u0000${partition}\u0000${body}`;
  }

  private flush(): void {
    if (this.queue.size === 0) return;
    const batch = [...this.queue.values()];
    this.queue = new Map();
    void this.run(batch);
  }

  private async run(batch: Pending[]): Promise<void> {
    const texts = batch.map((p) => p.text);
    const where = `${this.embedder.id}.embed`;
    try {
      this.calls++;
      const vectors = await withTimeout(this.embedder.embed(texts), this.timeoutMs, where);
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw new EmbedderError(
          `${where} returned ${Array.isArray(vectors) ? vectors.length : typeof vectors} vectors for ${texts.length} texts; an embedder must return one vector per text, in order.`,
        );
      }
      batch.forEach((p, i) => {
        try {
          const raw = vectors[i];
          assertValidVector(raw, this.embedder.dimension, where);
          const unit = normalize(raw as Float32Array);
          this.lru?.set(p.cacheKey, unit);
          p.resolve(unit);
        } catch (error) {
          p.reject(error);
        }
      });
    } catch (error) {
      const wrapped =
        error instanceof CacheError
          ? error
          : new EmbedderError(
              `${where} failed: ${error instanceof Error ? error.message : String(error)}. Check the embedder's configuration and server.`,
              { cause: error, retryable: true },
            );
      for (const p of batch) p.reject(wrapped);
    }
  }
}
