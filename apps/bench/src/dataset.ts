import { Prng } from './prng.js';

/** Options of {@link makePlantedDataset}. */
export interface PlantedDatasetOptions {
  /** Number of stored vectors. */
  size: number;
  /** Vector length. */
  dimension: number;
  /** Number of query vectors. */
  queries: number;
  /** PRNG seed; the same seed gives the same data set. */
  seed: number;
  /** Near-duplicates planted per query: a uniform count in [min, max]. Default [1, 3]. */
  plantedPerQuery?: readonly [number, number];
  /** Cosine similarity of planted near-duplicates to their query. Default [0.86, 0.98]. */
  plantedSimilarity?: readonly [number, number];
  /** Decoys per query just below the threshold (similar but not matching). Default [0, 2]. */
  decoysPerQuery?: readonly [number, number];
  /** Cosine similarity of decoys to their query. Default [0.7, 0.84]. */
  decoySimilarity?: readonly [number, number];
}

/** Random unit vectors with near-duplicates of each query planted among them. */
export interface PlantedDataset {
  /** Vector length. */
  dimension: number;
  /** Number of stored vectors. */
  size: number;
  /** Row-major unit vectors, `size × dimension`. */
  data: Float32Array;
  /** Unit query vectors. */
  queries: Float32Array[];
  /** For each query, the rows planted as its near-duplicates. */
  planted: number[][];
}

/**
 * Builds `size` Gaussian random unit vectors (which sit at cosine ≈ 0 from each other) and
 * `queries` query vectors, and overwrites a few random rows per query with vectors at a chosen
 * cosine similarity to it: the near-duplicates a search at 0.85 must find, and decoys just below
 * the threshold it must not return.
 */
export function makePlantedDataset(options: PlantedDatasetOptions): PlantedDataset {
  const { size, dimension, seed } = options;
  const [pMin, pMax] = options.plantedPerQuery ?? [1, 3];
  const [sMin, sMax] = options.plantedSimilarity ?? [0.86, 0.98];
  const [dMin, dMax] = options.decoysPerQuery ?? [0, 2];
  const [cMin, cMax] = options.decoySimilarity ?? [0.7, 0.84];
  const rng = new Prng(seed);
  const data = new Float32Array(size * dimension);
  for (let row = 0; row < size; row++)
    randomUnit(rng, data.subarray(row * dimension, (row + 1) * dimension));

  const order = shuffledIndices(rng, size);
  let next = 0;
  const queries: Float32Array[] = [];
  const planted: number[][] = [];
  for (let q = 0; q < options.queries; q++) {
    const query = randomUnit(rng, new Float32Array(dimension));
    queries.push(query);
    const rows: number[] = [];
    const nPlanted = pMin + rng.int(pMax - pMin + 1);
    const nDecoys = dMin + rng.int(dMax - dMin + 1);
    for (let j = 0; j < nPlanted + nDecoys; j++) {
      if (next >= size)
        throw new Error(
          `makePlantedDataset: ${size} rows are too few to plant neighbours of ${options.queries} queries.`,
        );
      const row = order[next++] as number;
      const similarity = j < nPlanted ? rng.uniform(sMin, sMax) : rng.uniform(cMin, cMax);
      atSimilarity(rng, query, similarity, data.subarray(row * dimension, (row + 1) * dimension));
      if (j < nPlanted) rows.push(row);
    }
    planted.push(rows);
  }
  return { dimension, size, data, queries, planted };
}

/** Row `row` of `data` as a view (no copy). */
export function rowOf(dataset: PlantedDataset, row: number): Float32Array {
  return dataset.data.subarray(row * dataset.dimension, (row + 1) * dataset.dimension);
}

/** Fills `out` with a uniformly random direction of unit length. */
export function randomUnit(rng: Prng, out: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const x = rng.gaussian();
    out[i] = x;
    sum += x * x;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * inv;
  return out;
}

/** Writes into `out` a unit vector whose cosine similarity to the unit vector `q` is `similarity`. */
function atSimilarity(rng: Prng, q: Float32Array, similarity: number, out: Float32Array): void {
  randomUnit(rng, out);
  let dot = 0;
  for (let i = 0; i < out.length; i++) dot += (out[i] as number) * (q[i] as number);
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const u = (out[i] as number) - dot * (q[i] as number);
    out[i] = u;
    sum += u * u;
  }
  const orth = Math.sqrt(1 - similarity * similarity) / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) {
    out[i] = similarity * (q[i] as number) + orth * (out[i] as number);
  }
}

function shuffledIndices(rng: Prng, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
