import type { CallOptions, Embedder } from '@cache/core';

/**
 * Embeds each distinct text once for the whole comparison and remembers what it cost, so that
 * every configuration is charged the same measured embedding time without paying it again
 * (embedding dominates the run time of `compare`). Never closes the embedder it wraps.
 */
export class MemoEmbedder implements Embedder {
  /** The wrapped embedder's id. */
  readonly id: string;
  /** The wrapped embedder's dimension. */
  readonly dimension: number;
  readonly #inner: Embedder;
  readonly #memo = new Map<string, { vector: Float32Array; ms: number }>();
  #charged = 0;

  /** Wraps `inner`. */
  constructor(inner: Embedder) {
    this.#inner = inner;
    this.id = inner.id;
    this.dimension = inner.dimension;
  }

  /** Returns each text's vector, embedding the ones not seen before in one call. */
  async embed(texts: readonly string[], options?: CallOptions): Promise<Float32Array[]> {
    const fresh = [...new Set(texts.filter((t) => !this.#memo.has(t)))];
    if (fresh.length > 0) {
      const started = performance.now();
      const vectors = await this.#inner.embed(fresh, options);
      const each = (performance.now() - started) / fresh.length;
      fresh.forEach((text, i) => {
        this.#memo.set(text, { vector: vectors[i] as Float32Array, ms: each });
      });
    }
    return texts.map((text) => {
      const hit = this.#memo.get(text) as { vector: Float32Array; ms: number };
      this.#charged += hit.ms;
      return hit.vector;
    });
  }

  /** Returns the measured embedding time of the texts embedded since the last call, and resets it. */
  takeCharged(): number {
    const charged = this.#charged;
    this.#charged = 0;
    return charged;
  }
}
