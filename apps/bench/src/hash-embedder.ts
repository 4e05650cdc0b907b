import type { Embedder } from '@cache/core';

/**
 * A deterministic stand-in embedder that costs microseconds: each word is hashed (FNV-1a) to a
 * dimension and a sign, and the counts are normalized. Words shared between two prompts make
 * their vectors similar. Used where the benchmark measures the cache itself, not a model.
 */
export class HashEmbedder implements Embedder {
  /** `bench/hash@<dimension>`. */
  readonly id: string;
  /** Vector length. */
  readonly dimension: number;
  /** Calls to `embed` so far. */
  calls = 0;

  /** Creates the embedder for vectors of `dimension` values. */
  constructor(dimension = 512) {
    this.dimension = dimension;
    this.id = `bench/hash@${dimension}`;
  }

  /** One unit vector per text. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((text) => this.#one(text));
  }

  #one(text: string): Float32Array {
    const out = new Float32Array(this.dimension);
    for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (word === '') continue;
      let h = 0x811c9dc5;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
      const at = (h >>> 1) % this.dimension;
      out[at] = (out[at] as number) + (h & 1 ? 1 : -1);
    }
    let sum = 0;
    for (const x of out) sum += x * x;
    if (sum === 0) {
      out[0] = 1;
      return out;
    }
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * inv;
    return out;
  }
}

/** Wraps an embedder and counts its calls and texts. */
export class CountingEmbedder implements Embedder {
  /** The wrapped embedder's id. */
  readonly id: string;
  /** The wrapped embedder's dimension. */
  readonly dimension: number;
  /** `embed` calls made. */
  calls = 0;
  /** Texts embedded over all calls. */
  texts = 0;
  readonly #inner: Embedder;

  /** Counts the calls made to `inner`. */
  constructor(inner: Embedder) {
    this.#inner = inner;
    this.id = inner.id;
    this.dimension = inner.dimension;
  }

  /** Counts, then delegates. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]> {
    this.calls++;
    this.texts += texts.length;
    return this.#inner.embed(texts, options);
  }
}
