/** Number of set bits of a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * The largest Hamming distance between two `bits`-bit sketches a pair with cosine similarity
 * `minSimilarity` plausibly shows: the expected distance bits·θ/π plus `sigma` standard
 * deviations (binomial model). Returns `bits` (no filtering) when that exceeds the sketch.
 */
export function hammingLimit(bits: number, minSimilarity: number, sigma: number): number {
  if (!Number.isFinite(sigma)) return bits;
  const p = Math.acos(Math.max(-1, Math.min(1, minSimilarity))) / Math.PI;
  // +1 absorbs float rounding of near-zero projections (e.g. a query that is a scaled copy).
  const limit = Math.floor(bits * p + sigma * Math.sqrt(bits * p * (1 - p))) + 1;
  return Math.min(bits, limit);
}

/** The cosine similarity a Hamming distance between two `bits`-bit sketches suggests: cos(π·h/bits). */
export function similarityFromHamming(hamming: number, bits: number): number {
  return Math.cos((Math.PI * hamming) / bits);
}
