import { LRUCache } from 'lru-cache';
import { CacheError, EmbedderError, InvalidOptionError } from './errors.js';
import type { Embedder } from './types.js';
import { assertValidVector, normalize } from './vector.js';
import { raceAbort, withTimeout } from './with-timeout.js';

/** Options of `EmbeddingBatcher`. */
export interface EmbeddingBatcherOptions {
  /** Embeddings remembered (0 disables the LRU). Default 10,000. */
  cacheSize?: number;
  /** Most texts per embedder call. Default 64. */
  maxBatch?: number;
  /** Timeout of each embedder call in ms; default none. */
  timeoutMs?: number;
}

interface Pending {
  text: string;
  promise: Promise<Float32Array>;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Puts an LRU and batching in front of an embedder: texts seen before (same embedder id and
 * text) come from the LRU; texts requested within the same tick (macrotask) are sent in one
 * `embed` call of at most `maxBatch` texts; the same text requested twice is embedded once.
 * Vectors come back validated and unit-length.
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
    this.lru = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
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
   */
  embed(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const cacheKey = `${this.embedder.id}\u0000${text}`;
    const cached = this.lru?.get(cacheKey);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.queue.get(text);
    if (pending === undefined) {
      let resolve!: (vector: Float32Array) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<Float32Array>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      pending = { text, promise, resolve, reject };
      this.queue.set(text, pending);
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
          this.lru?.set(`${this.embedder.id}\u0000${p.text}`, unit);
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
