import { Xoshiro128 } from './prng.js';

/**
 * Random hyperplane projection by a randomized Hadamard transform: each block computes
 * H·D3·H·D2·H·D1·x (x zero-padded to a power of two, H the Walsh-Hadamard matrix, Di random
 * ±1 diagonals), a pseudo-random rotation in O(n log n) instead of O(n·bits) for dense
 * Gaussian planes. The sign of each output coordinate is one hyperplane bit. Enough blocks are
 * stacked to give `bits` outputs.
 */
export class HadamardProjector {
  /** Input dimension. */
  readonly dimension: number;
  /** Number of outputs (hyperplanes). */
  readonly bits: number;
  /** Padded transform length (a power of two ≥ dimension). */
  readonly length: number;
  private readonly signs: Float64Array[];
  private readonly work: Float64Array;

  /** Draws the sign diagonals from `rng` (three per block, block after block). */
  constructor(dimension: number, bits: number, rng: Xoshiro128) {
    this.dimension = dimension;
    this.bits = bits;
    let length = 1;
    while (length < dimension) length *= 2;
    this.length = length;
    const blocks = Math.ceil(bits / length);
    this.signs = [];
    for (let i = 0; i < blocks * 3; i++) {
      const d = new Float64Array(length);
      for (let j = 0; j < length; j++) d[j] = rng.nextUint32() & 1 ? 1 : -1;
      this.signs.push(d);
    }
    this.work = new Float64Array(length);
  }

  /** Writes the `bits` projections of `x` (length `dimension`) into `out`. Allocates nothing. */
  project(x: Float32Array, out: Float64Array): void {
    const n = this.length;
    const w = this.work;
    let written = 0;
    for (let block = 0; written < this.bits; block++) {
      const d1 = this.signs[block * 3] as Float64Array;
      const d2 = this.signs[block * 3 + 1] as Float64Array;
      const d3 = this.signs[block * 3 + 2] as Float64Array;
      for (let i = 0; i < this.dimension; i++) w[i] = (x[i] as number) * (d1[i] as number);
      for (let i = this.dimension; i < n; i++) w[i] = 0;
      fwht(w, n);
      for (let i = 0; i < n; i++) w[i] = (w[i] as number) * (d2[i] as number);
      fwht(w, n);
      for (let i = 0; i < n; i++) w[i] = (w[i] as number) * (d3[i] as number);
      fwht(w, n);
      const take = Math.min(n, this.bits - written);
      for (let i = 0; i < take; i++) out[written + i] = w[i] as number;
      written += take;
    }
  }
}

/** In-place unnormalized fast Walsh-Hadamard transform of the first `n` values (n a power of two). */
export function fwht(a: Float64Array, n: number): void {
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += h * 2) {
      for (let j = i; j < i + h; j++) {
        const x = a[j] as number;
        const y = a[j + h] as number;
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}
