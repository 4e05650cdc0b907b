import { InvalidOptionError } from '@cache/core';

/** Default PRNG seed (`0x5eed1e55`): hyperplanes and table bits depend only on the seed. */
export const DEFAULT_SEED = 0x5eed1e55;

/** Options of {@link LshVectorStore}. Only `dimension` is required. */
export interface LshVectorStoreOptions {
  /** Length of every vector (e.g. 512 for USE-lite). Required. */
  dimension: number;
  /**
   * Seed of the xoshiro128** PRNG (seeded through splitmix32) that draws the Hadamard sign
   * diagonals and each table's bits. Same seed, same buckets, in every process and on every
   * machine. Default {@link DEFAULT_SEED}.
   */
  seed?: number;
  /**
   * Bits (hyperplanes) per table key, 1–32. Default 16. Fewer bits mean bigger buckets: more
   * collisions, higher recall, more candidates to check — 8 bits over 16 tables checks
   * thousands of candidates at 100k entries, and with `verify: false` almost everything
   * collides. More bits mean smaller buckets: fewer false matches and cheaper queries, but
   * near-duplicates are split more often — 24 bits needs many more tables or probes to keep
   * recall at cosine 0.85.
   */
  planes?: number;
  /** Number of hash tables, each keyed by its own `planes` bits of the pool. Default 32. */
  tables?: number;
  /**
   * Buckets probed per table, counting the query's own bucket; the others flip the
   * least-confident bits (smallest |projection|) in order of total confidence (multi-probe
   * LSH). 1 disables multi-probe. 1–64, default 4.
   */
  probes?: number;
  /**
   * Default true: searches below cosine 0.85 probe more buckets per table than `probes`
   * (×4 per 0.85 extra expected differing key bits, at most 64), since pairs at a lower
   * cosine differ in more bits; at 0.75 with 16 planes that is 16 probes. False always probes
   * exactly `probes`.
   */
  adaptiveProbes?: boolean;
  /**
   * Size of the hyperplane pool, a multiple of 32 ≥ `planes`: every entry keeps this many sign
   * bits as its sketch, the tables draw their key bits from it, and candidates are pre-filtered
   * by the sketch's Hamming distance before the exact cosine. Default 256 (32 bytes per entry).
   */
  poolBits?: number;
  /**
   * Default true: every candidate's exact cosine similarity is checked against `minSimilarity`
   * (results are exact scores, maybe missing a few true matches). False reproduces the
   * bucket-only cache of the article: any bucket collision in the scope counts as a match,
   * `minSimilarity` is ignored, and the reported similarity is the sketch's estimate
   * cos(π·hamming/poolBits) rather than the exact cosine.
   */
  verify?: boolean;
  /**
   * Hamming pre-filter width in standard deviations above the distance expected at
   * `minSimilarity` (binomial model). Default 3: on USE-lite embeddings at the calibrated
   * floor (0.775) it returns the same matches as 5 (recall 0.9981 against brute force, k = 5)
   * with a fifth fewer exact checks; larger keeps more candidates for the exact check,
   * `Infinity` disables the filter.
   */
  hammingSigma?: number;
  /**
   * Most records kept; inserting beyond it evicts the least recently used record (an upsert
   * or being returned by a search counts as a use). Default 1,000,000.
   */
  maxEntries?: number;
  /**
   * Byte budget of the store: its arrays (counted by slot, reserve included), bucket heads and
   * an estimate of its keys (`memory().totalBytes`). Inserting a record that would take the store
   * past it evicts least recently used records first, and the arrays grow only as far as the
   * budget allows. Transiently, while arrays grow, old and new copies coexist. At least twice
   * the empty store's footprint (`initialCapacity` slots), else `InvalidOptionError`. Default
   * Infinity (bounded by `maxEntries` alone).
   */
  maxBytes?: number;
  /**
   * Slots allocated up front; beyond them the arrays grow by a quarter (at least 256 slots) at a
   * time, up to `maxEntries` and within `maxBytes`. Default 1,024.
   */
  initialCapacity?: number;
  /** Clock used for expiry, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Every option with its default applied. */
export type ResolvedLshOptions = Required<LshVectorStoreOptions>;

const VALID = [
  'dimension',
  'seed',
  'planes',
  'tables',
  'probes',
  'adaptiveProbes',
  'poolBits',
  'verify',
  'hammingSigma',
  'maxEntries',
  'maxBytes',
  'initialCapacity',
  'now',
] as const;

/** Applies defaults and throws `InvalidOptionError` for unknown options or values out of range. */
export function resolveOptions(options: LshVectorStoreOptions): ResolvedLshOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      'LshVectorStore: options must be an object with at least { dimension }.',
    );
  }
  for (const name of Object.keys(options)) {
    if (!(VALID as readonly string[]).includes(name)) {
      throw new InvalidOptionError(
        `LshVectorStore: unknown option "${name}". Valid options: ${VALID.join(', ')}.`,
      );
    }
  }
  const resolved: ResolvedLshOptions = {
    dimension: options.dimension,
    seed: options.seed ?? DEFAULT_SEED,
    planes: options.planes ?? 16,
    tables: options.tables ?? 32,
    probes: options.probes ?? 4,
    adaptiveProbes: options.adaptiveProbes ?? true,
    poolBits: options.poolBits ?? 256,
    verify: options.verify ?? true,
    hammingSigma: options.hammingSigma ?? 3,
    maxEntries: options.maxEntries ?? 1_000_000,
    maxBytes: options.maxBytes ?? Number.POSITIVE_INFINITY,
    initialCapacity: options.initialCapacity ?? 1024,
    now: options.now ?? Date.now,
  };
  integer('dimension', resolved.dimension, 1, 65_536);
  integer('seed', resolved.seed, -(2 ** 31), 2 ** 32 - 1);
  integer('planes', resolved.planes, 1, 32);
  integer('tables', resolved.tables, 1, 1024);
  integer('probes', resolved.probes, 1, 64);
  integer('poolBits', resolved.poolBits, 32, 4096);
  if (resolved.poolBits % 32 !== 0 || resolved.poolBits < resolved.planes) {
    throw new InvalidOptionError(
      `LshVectorStore: poolBits must be a multiple of 32 and at least planes (${resolved.planes}); got ${resolved.poolBits}.`,
    );
  }
  integer('maxEntries', resolved.maxEntries, 1, 2 ** 26);
  integer('initialCapacity', resolved.initialCapacity, 1, 2 ** 26);
  if (typeof resolved.adaptiveProbes !== 'boolean') {
    throw new InvalidOptionError(
      `LshVectorStore: adaptiveProbes must be true or false; got ${String(resolved.adaptiveProbes)}.`,
    );
  }
  if (typeof resolved.verify !== 'boolean') {
    throw new InvalidOptionError(
      `LshVectorStore: verify must be true or false; got ${String(resolved.verify)}.`,
    );
  }
  if (typeof resolved.hammingSigma !== 'number' || !(resolved.hammingSigma >= 0)) {
    throw new InvalidOptionError(
      `LshVectorStore: hammingSigma must be a number ≥ 0 (Infinity disables the filter); got ${String(resolved.hammingSigma)}.`,
    );
  }
  if (typeof resolved.maxBytes !== 'number' || !(resolved.maxBytes > 0)) {
    throw new InvalidOptionError(
      `LshVectorStore: maxBytes must be a positive number of bytes (Infinity for no budget); got ${String(resolved.maxBytes)}.`,
    );
  }
  if (typeof resolved.now !== 'function') {
    throw new InvalidOptionError('LshVectorStore: now must be a function returning epoch ms.');
  }
  return resolved;
}

function integer(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(
      `LshVectorStore: ${name} must be an integer in [${min}, ${max}]; got ${String(value)}.`,
    );
  }
}
