import type { Embedder, HitGuard } from '@cache/core';

/**
 * A deterministic embedder for tests: texts listed in `table` get that vector (any length up to
 * `dimension`, zero-padded); any other text a vector hashed from its words. Counts its calls.
 */
export class ToyEmbedder implements Embedder {
  readonly dimension: number;
  /** Texts received, per call. */
  readonly calls: string[][] = [];

  constructor(
    private readonly table: Record<string, number[]> = {},
    readonly id = 'test/toy@16',
    dimension = 16,
  ) {
    this.dimension = dimension;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return texts.map((t) => this.vectorOf(t));
  }

  vectorOf(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    const given = this.table[text];
    if (given !== undefined) {
      v.set(given);
    } else {
      for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
        let h = 2166136261;
        for (const ch of word) h = Math.imul(h ^ (ch.codePointAt(0) as number), 16777619);
        v[(h >>> 0) % this.dimension] += 1;
      }
    }
    return v;
  }
}

/** A guard that accepts every candidate: the cache with no guard, at its similarity floor. */
export const acceptAll: HitGuard = {
  id: 'accept-all',
  judge: () => ({ accept: true, reasons: [] }),
};

/** Vectors of `texts` from `embedder`, keyed by text (what `embedTexts` returns). */
export function vectorsOf(
  embedder: ToyEmbedder,
  texts: Iterable<string>,
): Map<string, Float32Array> {
  return new Map([...new Set(texts)].map((t) => [t, embedder.vectorOf(t)]));
}
