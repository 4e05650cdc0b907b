import { type Embedder, InvalidRequestError, normalize } from '@cache/core';

/**
 * A fast, deterministic embedder for property tests: a hashed bag of words. Word order, case
 * and punctuation do not matter, so reordered prompts ("what is X" / "X is what") embed to the
 * same vector, and the same prompt embeds identically in every scope: a vector search that did
 * not filter on the scope would find other scopes' entries at similarity 1.
 */
export class BagOfWordsEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  /** Calls to `embed` so far. */
  calls = 0;

  constructor(dimension = 64) {
    this.dimension = dimension;
    this.id = `test/bag-of-words@${dimension}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    if (texts.length === 0) throw new InvalidRequestError('embed: no texts given.');
    return texts.map((text) => {
      if (text.trim() === '') throw new InvalidRequestError('embed: empty text.');
      return this.vectorOf(text);
    });
  }

  /** The normalized vector of `text`. */
  vectorOf(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    // A constant component keeps every vector non-zero, even for text without letters.
    v[0] = 0.05;
    for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (word === '') continue;
      const h = fnv1a(word);
      const i = 1 + (h % (this.dimension - 1));
      v[i] = (v[i] as number) + ((h >>> 16) & 1 ? 1 : -1);
    }
    return normalize(v);
  }
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
