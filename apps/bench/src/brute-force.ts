/** One search result of the exact scan: a row and its cosine similarity to the query. */
export interface ScanMatch {
  /** Row index in the scanned matrix. */
  row: number;
  /** Cosine similarity (the rows and the query are unit vectors, so the dot product). */
  similarity: number;
}

/**
 * The exact baseline: a scan of every row of a row-major matrix of unit vectors, the dot product
 * unrolled four ways (as fast as plain JavaScript gets without SIMD). Returns up to `k` rows at
 * or above `minSimilarity`, best first.
 */
export class BruteForceIndex {
  readonly #data: Float32Array;
  readonly #dimension: number;
  readonly #rows: number;

  /** Scans `rows` rows of `data` (row-major, `dimension` values each, unit length). */
  constructor(data: Float32Array, dimension: number, rows = data.length / dimension) {
    if (dimension % 4 !== 0)
      throw new Error('BruteForceIndex: the dimension must be a multiple of 4.');
    this.#data = data;
    this.#dimension = dimension;
    this.#rows = rows;
  }

  /** Number of rows scanned. */
  get size(): number {
    return this.#rows;
  }

  /** Rows with similarity ≥ `minSimilarity` to the unit vector `query`, best first, at most `k`. */
  search(query: Float32Array, k: number, minSimilarity: number): ScanMatch[] {
    const data = this.#data;
    const d = this.#dimension;
    const found: ScanMatch[] = [];
    for (let row = 0, base = 0; row < this.#rows; row++, base += d) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < d; i += 4) {
        s0 += (data[base + i] as number) * (query[i] as number);
        s1 += (data[base + i + 1] as number) * (query[i + 1] as number);
        s2 += (data[base + i + 2] as number) * (query[i + 2] as number);
        s3 += (data[base + i + 3] as number) * (query[i + 3] as number);
      }
      const similarity = s0 + s1 + s2 + s3;
      if (similarity >= minSimilarity) found.push({ row, similarity });
    }
    found.sort((a, b) => b.similarity - a.similarity);
    if (found.length > k) found.length = k;
    return found;
  }
}
