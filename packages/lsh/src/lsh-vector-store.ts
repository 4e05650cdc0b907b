import {
  assertValidVector,
  ClosedError,
  InvalidOptionError,
  InvalidRequestError,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';
import { hammingLimit, popcount32, similarityFromHamming } from './bits.js';
import { BucketHeads } from './bucket-heads.js';
import { HadamardProjector } from './hadamard.js';
import { type LshVectorStoreOptions, type ResolvedLshOptions, resolveOptions } from './options.js';
import { Xoshiro128 } from './prng.js';
import { encodeUnit } from './vector-codes.js';

/** Memory held by the store, in bytes. */
export interface LshMemoryStats {
  /** Live records. */
  entries: number;
  /** Allocated record slots. */
  capacity: number;
  /** Vector codes: capacity × (dimension × 3 + 8) (Int8 coarse, Int16 fine, two scales). */
  vectorBytes: number;
  /** Sketches, table links, expiry, scope ids and bucket heads. */
  indexBytes: number;
  /** Bucket heads alone (part of indexBytes). */
  headBytes: number;
  /**
   * Estimate of what the keys cost: 2 bytes per UTF-16 unit plus 64 per key (string header, Map
   * entry) and 8 per slot (the slot-to-key array).
   */
  keyBytes: number;
  /** vectorBytes + indexBytes + keyBytes: what `maxBytes` bounds. */
  totalBytes: number;
  /** The byte budget (`maxBytes`), Infinity when unbounded. */
  maxBytes: number;
  /** (vectorBytes + indexBytes) ÷ entries, or 0 when empty. */
  bytesPerEntry: number;
  /** indexBytes ÷ entries, or 0 when empty. */
  indexBytesPerEntry: number;
}

/** What the latest `search` looked at; for tuning and benchmarks. */
export interface LshSearchStats {
  /** Buckets probed (tables × probes). */
  buckets: number;
  /** Distinct records found in those buckets. */
  candidates: number;
  /** Candidates of the scope, live, within the Hamming limit: the ones whose cosine was computed. */
  verified: number;
  /** The Hamming limit applied to the sketch (poolBits when unfiltered). */
  hammingLimit: number;
  /** Buckets probed per table (more than `probes` below cosine 0.85 with `adaptiveProbes`). */
  probes: number;
}

const EMPTY = -1;
const MAX_PROBES = 64;
const ADAPTIVE_FROM = 0.85;

/**
 * In-memory vector store using random-hyperplane LSH (name `lsh`).
 *
 * Every vector is projected by a seeded randomized Hadamard transform onto `poolBits`
 * hyperplanes; the signs form its sketch. Each of `tables` tables keys the record by `planes`
 * bits drawn (by the seeded PRNG) from that pool. A search probes `probes` buckets per table
 * (multi-probe: least-confident bits flipped), drops candidates of other scopes, expired ones
 * and those whose sketch is too far in Hamming distance, then checks the exact cosine
 * similarity against `minSimilarity` (`verify`, default on). Unit vectors are kept as an Int8
 * code (scanned first: its dot product bounds the cosine within half a code step per component)
 * and an Int16 code of its residual, added only for candidates that can still reach the floor:
 * together they restore the vector as closely as float32 does, in 3 bytes per component instead
 * of 4. Beyond `maxEntries` records, or `maxBytes` bytes, the least recently used record is
 * evicted. Results are approximate: a true match can be missed, never invented (with `verify`).
 */
export class LshVectorStore implements VectorStore {
  /** Always `lsh`. */
  readonly name = 'lsh';
  /** Length every vector must have. */
  readonly dimension: number;
  /** The options in force, defaults applied. */
  readonly settings: Readonly<ResolvedLshOptions>;
  /** What the latest search looked at. */
  readonly lastSearch: LshSearchStats = {
    buckets: 0,
    candidates: 0,
    verified: 0,
    hammingLimit: 0,
    probes: 0,
  };

  private readonly projector: HadamardProjector;
  private readonly words: number;
  private readonly planes: number;
  private readonly tableCount: number;
  private readonly tableBits: Uint16Array;
  private heads: BucketHeads[];

  private capacity: number;
  private highWater = 0;
  /** Bytes of one slot across every per-slot array (slot-to-key array included). */
  private readonly slotBytes: number;
  /** Sum of {@link keyCost} over the keys held. */
  private keyBytes = 0;
  /** Int8 coarse codes, `dimension` per slot. */
  private coarse: Int8Array;
  /** Int16 codes of the coarse codes' residuals, `dimension` per slot. */
  private fine: Int16Array;
  /** Per slot, the coarse and the fine step. */
  private scales: Float32Array;
  /**
   * One row per slot: [search stamp, scope id + 1 (0 = free), sketch words...]. Interleaved so a
   * candidate check touches one cache line instead of one per array.
   */
  private rows: Uint32Array;
  private readonly stride: number;
  private nextLink: Int32Array;
  private prevLink: Int32Array;
  private expires: Float64Array;
  private slotKeys: (string | undefined)[];
  private freeSlots: number[] = [];
  private readonly keyToSlot = new Map<string, number>();
  private readonly scopeToId = new Map<string, number>();
  private readonly scopeCounts = new Map<number, number>();
  private readonly idToScope = new Map<number, string>();
  private nextScopeId = 0;
  private epoch = 0;
  private closed = false;

  private readonly projection: Float64Array;
  private readonly confidence: Float64Array;
  private readonly querySketch: Uint32Array;
  private readonly query: Float64Array;
  /** Sum of |q_i| of the current query: with a code step, it bounds the code's error. */
  private queryAbsSum = 0;
  private readonly unit: Float64Array;
  private readonly lowPositions: Int32Array;
  private readonly lowConfidence: Float64Array;
  private readonly heapScore: Float64Array;
  private readonly heapMask: Int32Array;
  private heapSize = 0;
  private topSlots = new Int32Array(16);
  private topSims = new Float64Array(16);
  private found = 0;
  /** Similarity a candidate must reach: minSimilarity, raised to the k-th best once k are found. */
  private floor = 0;
  /** Hamming limit of the sketch for `floor` (poolBits when unfiltered). */
  private limit = 0;
  private minSimilarity = 0;
  private readonly baseKeys: Uint32Array;
  private purge: number[] = [];

  /** Creates an empty store; throws `InvalidOptionError` for unknown or out-of-range options. */
  constructor(options: LshVectorStoreOptions) {
    const o = resolveOptions(options);
    this.settings = Object.freeze(o);
    this.dimension = o.dimension;
    this.planes = o.planes;
    this.tableCount = o.tables;
    this.words = o.poolBits / 32;
    const rng = new Xoshiro128(o.seed);
    this.projector = new HadamardProjector(o.dimension, o.poolBits, rng);
    this.tableBits = new Uint16Array(o.tables * o.planes);
    const pool = Array.from({ length: o.poolBits }, (_, i) => i);
    for (let t = 0; t < o.tables; t++) {
      for (let j = 0; j < o.planes; j++) {
        const pick = j + rng.below(o.poolBits - j);
        const chosen = pool[pick] as number;
        pool[pick] = pool[j] as number;
        pool[j] = chosen;
        this.tableBits[t * o.planes + j] = chosen;
      }
    }
    this.heads = Array.from({ length: o.tables }, () => new BucketHeads(o.planes));
    this.stride = 2 + this.words;
    this.slotBytes = o.dimension * 3 + 8 + this.stride * 4 + o.tables * 8 + 8 + 8;
    this.capacity = Math.min(o.initialCapacity, o.maxEntries);
    this.coarse = new Int8Array(this.capacity * o.dimension);
    this.fine = new Int16Array(this.capacity * o.dimension);
    this.scales = new Float32Array(this.capacity * 2);
    this.rows = new Uint32Array(this.capacity * this.stride);
    this.nextLink = new Int32Array(this.capacity * o.tables);
    this.prevLink = new Int32Array(this.capacity * o.tables);
    this.expires = new Float64Array(this.capacity);
    this.slotKeys = new Array(this.capacity).fill(undefined);

    this.projection = new Float64Array(o.poolBits);
    this.confidence = new Float64Array(o.poolBits);
    this.querySketch = new Uint32Array(this.words);
    this.query = new Float64Array(o.dimension);
    this.unit = new Float64Array(o.dimension);
    const maxProbes = o.adaptiveProbes ? MAX_PROBES : o.probes;
    const low = Math.max(1, Math.min(o.planes, maxProbes - 1));
    this.lowPositions = new Int32Array(low);
    this.lowConfidence = new Float64Array(low);
    this.heapScore = new Float64Array(2 * maxProbes + 2);
    this.heapMask = new Int32Array(2 * maxProbes + 2);
    this.baseKeys = new Uint32Array(o.tables);
    const empty = this.bytesHeld();
    if (o.maxBytes < 2 * empty) {
      throw new InvalidOptionError(
        `LshVectorStore: maxBytes ${o.maxBytes} leaves no room for records: the empty store holds ${empty} bytes (${this.capacity} initial slots of ${this.slotBytes} bytes); allow at least twice that, or lower initialCapacity.`,
      );
    }
  }

  /** Number of records held (expired ones not yet purged included). */
  get size(): number {
    return this.keyToSlot.size;
  }

  /**
   * Inserts or replaces records by key. Validates the whole batch first (`DimensionMismatchError`,
   * `InvalidVectorError`, `InvalidRequestError` for a bad key, scope or expiresAt), so a bad
   * record leaves the store unchanged. A record whose `expiresAt` has passed removes the key.
   */
  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(records)) {
      throw new InvalidRequestError(
        'LshVectorStore.upsert: records must be an array of { key, scope, vector }.',
      );
    }
    for (const record of records) this.validateRecord(record);
    const now = this.settings.now();
    for (const record of records) {
      const existing = this.keyToSlot.get(record.key);
      if (existing !== undefined) this.removeSlot(existing);
      if (record.expiresAt !== undefined && record.expiresAt <= now) continue;
      this.insert(record);
    }
  }

  /**
   * Returns up to `k` live records of `scope` at least `minSimilarity` similar to `vector`
   * (exact cosine), best first; with `verify: false`, every bucket collision in the scope
   * ranked by the sketch's estimated similarity. Approximate: a true match can be missed.
   */
  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    this.assertOpen();
    assertValidVector(vector, this.dimension, 'LshVectorStore.search');
    validateSearchOptions(options);
    const scopeId = this.scopeToId.get(options.scope);
    if (scopeId === undefined) return [];
    // No more matches than records: a huge k must not size the scratch arrays.
    const k = Math.min(options.k, this.keyToSlot.size);
    return this.searchPrepared(vector, scopeId, k, options.minSimilarity);
  }

  /** Removes the records with these keys; unknown keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!Array.isArray(keys))
      throw new InvalidRequestError('LshVectorStore.delete: keys must be an array of strings.');
    for (const key of keys) {
      const slot = this.keyToSlot.get(key);
      if (slot !== undefined) this.removeSlot(slot);
    }
  }

  /** Removes every record of `scope`, or every record when omitted. */
  async clear(scope?: string): Promise<void> {
    this.assertOpen();
    if (scope === undefined) {
      this.resetAll();
      return;
    }
    const id = this.scopeToId.get(scope);
    if (id === undefined) return;
    for (const slot of [...this.keyToSlot.values()])
      if (this.rows[slot * this.stride + 1] === id + 1) this.removeSlot(slot);
  }

  /** Drops everything held; later calls reject with `ClosedError`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.resetAll();
    this.closed = true;
    this.coarse = new Int8Array(0);
    this.fine = new Int16Array(0);
    this.rows = new Uint32Array(0);
    this.nextLink = new Int32Array(0);
    this.prevLink = new Int32Array(0);
  }

  /**
   * The bucket (table key, an unsigned integer below 2^planes) `vector` falls in for each table,
   * in table order. Depends only on the vector and the options (seed, planes, tables,
   * poolBits): two processes with the same options agree. Validates like `search`.
   */
  bucketsOf(vector: Float32Array): number[] {
    this.assertOpen();
    assertValidVector(vector, this.dimension, 'LshVectorStore.bucketsOf');
    this.sketchInto(vector, this.querySketch);
    const out: number[] = [];
    for (let t = 0; t < this.tableCount; t++) out.push(this.tableKey(t, this.querySketch, 0));
    return out;
  }

  /** The `poolBits`-bit sign sketch of `vector` (bit i of word i>>5 is hyperplane i), as a copy. */
  sketchOf(vector: Float32Array): Uint32Array {
    this.assertOpen();
    assertValidVector(vector, this.dimension, 'LshVectorStore.sketchOf');
    this.sketchInto(vector, this.querySketch);
    return Uint32Array.from(this.querySketch);
  }

  /** Bytes held, in total and per entry (typed arrays counted exactly, keys estimated). */
  memory(): LshMemoryStats {
    const entries = this.keyToSlot.size;
    const vectorBytes = this.coarse.byteLength + this.fine.byteLength + this.scales.byteLength;
    let headBytes = 0;
    for (const h of this.heads) headBytes += h.byteLength;
    const indexBytes =
      this.rows.byteLength +
      this.nextLink.byteLength +
      this.prevLink.byteLength +
      this.expires.byteLength +
      headBytes;
    const keyBytes = this.keyBytes + 8 * this.capacity;
    return {
      entries,
      capacity: this.capacity,
      vectorBytes,
      indexBytes,
      headBytes,
      keyBytes,
      totalBytes: vectorBytes + indexBytes + keyBytes,
      maxBytes: this.settings.maxBytes,
      bytesPerEntry: entries === 0 ? 0 : (vectorBytes + indexBytes) / entries,
      indexBytesPerEntry: entries === 0 ? 0 : indexBytes / entries,
    };
  }

  /** What `maxBytes` bounds: every per-slot array, the bucket heads and the keys' estimate. */
  private bytesHeld(): number {
    let heads = 0;
    for (const h of this.heads) heads += h.byteLength;
    return this.capacity * this.slotBytes + heads + this.keyBytes;
  }

  private searchPrepared(
    vector: Float32Array,
    scopeId: number,
    k: number,
    minSimilarity: number,
  ): VectorMatch[] {
    const dim = this.dimension;
    const q = this.query;
    let sum = 0;
    for (let i = 0; i < dim; i++) {
      const x = vector[i] as number;
      sum += x * x;
    }
    const inv = 1 / Math.sqrt(sum);
    let absSum = 0;
    for (let i = 0; i < dim; i++) {
      const x = (vector[i] as number) * inv;
      q[i] = x;
      absSum += Math.abs(x);
    }
    this.queryAbsSum = absSum;

    this.sketchInto(vector, this.querySketch);
    const conf = this.confidence;
    const proj = this.projection;
    for (let i = 0; i < proj.length; i++) conf[i] = Math.abs(proj[i] as number);

    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      for (let i = 0; i < this.rows.length; i += this.stride) this.rows[i] = 0;
      this.epoch = 1;
    }
    if (this.topSlots.length < k) {
      this.topSlots = new Int32Array(k);
      this.topSims = new Float64Array(k);
    }
    this.found = 0;
    const verify = this.settings.verify;
    const limit = verify
      ? hammingLimit(this.settings.poolBits, minSimilarity, this.settings.hammingSigma)
      : this.settings.poolBits;
    this.floor = minSimilarity;
    this.limit = limit;
    this.minSimilarity = minSimilarity;
    const stats = this.lastSearch;
    stats.buckets = 0;
    stats.candidates = 0;
    stats.verified = 0;
    stats.hammingLimit = limit;
    const now = this.settings.now();

    const probes = this.probesFor(minSimilarity);
    stats.probes = probes;
    const low = this.lowPositions;
    const lowConf = this.lowConfidence;
    // Every table's own bucket first: it holds the closest records, so the k-th best similarity
    // (and with it the Hamming limit) tightens before the wider multi-probe buckets are scanned.
    for (let t = 0; t < this.tableCount; t++) {
      const base = this.tableKey(t, this.querySketch, 0);
      this.baseKeys[t] = base;
      this.scanBucket(t, base, scopeId, k, now);
    }
    if (probes > 1) {
      for (let t = 0; t < this.tableCount; t++) {
        const base = this.baseKeys[t] as number;
        // Multi-probe: perturbation sets of the least-confident bits in increasing total
        // |projection|, generated from a min-heap by "shift" and "expand" (Lv et al., 2007).
        const L = this.leastConfident(t, probes);
        this.heapSize = 0;
        this.heapPush(1, lowConf[0] as number);
        for (let p = 1; p < probes && this.heapSize > 0; p++) {
          const set = this.heapMask[0] as number;
          const score = this.heapScore[0] as number;
          this.heapPop();
          let flip = 0;
          for (let rest = set; rest !== 0; rest &= rest - 1) {
            flip |= 1 << (low[31 - Math.clz32(rest & -rest)] as number);
          }
          this.scanBucket(t, (base ^ flip) >>> 0, scopeId, k, now);
          const top = 31 - Math.clz32(set);
          if (top + 1 < L) {
            const next = lowConf[top + 1] as number;
            this.heapPush(
              (set ^ (1 << top)) | (1 << (top + 1)),
              score - (lowConf[top] as number) + next,
            );
            this.heapPush(set | (1 << (top + 1)), score + next);
          }
        }
      }
    }

    const results: VectorMatch[] = [];
    for (let i = 0; i < this.found; i++) {
      const slot = this.topSlots[i] as number;
      const key = this.slotKeys[slot] as string;
      const similarity = Math.max(-1, Math.min(1, this.topSims[i] as number));
      results.push({ key, similarity });
      this.keyToSlot.delete(key);
      this.keyToSlot.set(key, slot);
    }
    if (this.purge.length > 0) {
      for (const slot of this.purge) if (this.slotKeys[slot] !== undefined) this.removeSlot(slot);
      this.purge = [];
    }
    return results;
  }

  /**
   * Fills lowPositions/lowConfidence with the key positions of table t whose projections are
   * closest to zero, in increasing |projection|; returns how many (min(planes, probes − 1)).
   */
  private leastConfident(t: number, probes: number): number {
    const L = Math.min(this.lowPositions.length, probes - 1);
    const low = this.lowPositions;
    const lowConf = this.lowConfidence;
    const conf = this.confidence;
    const bits = this.tableBits;
    const off = t * this.planes;
    let count = 0;
    for (let j = 0; j < this.planes; j++) {
      const c = conf[bits[off + j] as number] as number;
      let i: number;
      if (count < L) i = count++;
      else if (c < (lowConf[L - 1] as number)) i = L - 1;
      else continue;
      while (i > 0 && (lowConf[i - 1] as number) > c) {
        low[i] = low[i - 1] as number;
        lowConf[i] = lowConf[i - 1] as number;
        i--;
      }
      low[i] = j;
      lowConf[i] = c;
    }
    return L;
  }

  /**
   * Probes per table for a search at `minSimilarity`. Pairs at a lower cosine differ in more
   * key bits (planes·θ/π on average), so with `adaptiveProbes` the count grows by 4× per 0.85
   * expected extra differing bits below cosine 0.85 (calibrated on USE-lite embeddings: 4
   * probes reach recall 0.98 at 0.85, 16 at 0.75), up to 64.
   */
  private probesFor(minSimilarity: number): number {
    const base = this.settings.probes;
    if (!this.settings.adaptiveProbes || minSimilarity >= ADAPTIVE_FROM) return base;
    const extraBits =
      (this.planes * (Math.acos(Math.max(-1, minSimilarity)) - Math.acos(ADAPTIVE_FROM))) / Math.PI;
    return Math.min(MAX_PROBES, Math.ceil(base * 4 ** (extraBits / 0.85)));
  }

  private heapPush(set: number, score: number): void {
    const scores = this.heapScore;
    const sets = this.heapMask;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((scores[parent] as number) <= score) break;
      scores[i] = scores[parent] as number;
      sets[i] = sets[parent] as number;
      i = parent;
    }
    scores[i] = score;
    sets[i] = set;
  }

  private heapPop(): void {
    const scores = this.heapScore;
    const sets = this.heapMask;
    const n = --this.heapSize;
    if (n === 0) return;
    const score = scores[n] as number;
    const set = sets[n] as number;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && (scores[child + 1] as number) < (scores[child] as number)) child++;
      if ((scores[child] as number) >= score) break;
      scores[i] = scores[child] as number;
      sets[i] = sets[child] as number;
      i = child;
    }
    scores[i] = score;
    sets[i] = set;
  }

  private scanBucket(t: number, bucket: number, scopeId: number, k: number, now: number): void {
    const T = this.tableCount;
    const W = this.words;
    const dim = this.dimension;
    const rows = this.rows;
    const S = this.stride;
    const scopeTag = scopeId + 1;
    const epoch = this.epoch;
    const qs = this.querySketch;
    const q = this.query;
    const coarse = this.coarse;
    const fine = this.fine;
    const scales = this.scales;
    const qAbs = this.queryAbsSum;
    const next = this.nextLink;
    const verify = this.settings.verify;
    const stats = this.lastSearch;
    stats.buckets++;
    let slot = this.head(t, bucket);
    while (slot !== EMPTY) {
      const ro = slot * S;
      if (rows[ro] !== epoch) {
        rows[ro] = epoch;
        stats.candidates++;
        if (rows[ro + 1] === scopeTag) {
          let hamming = 0;
          for (let w = 0; w < W; w++) {
            hamming += popcount32(((qs[w] as number) ^ (rows[ro + 2 + w] as number)) >>> 0);
          }
          if (hamming <= this.limit) {
            if ((this.expires[slot] as number) <= now) {
              this.purge.push(slot);
            } else {
              stats.verified++;
              if (verify) {
                const vo = slot * dim;
                let d0 = 0;
                let d1 = 0;
                let d2 = 0;
                let d3 = 0;
                let i = 0;
                for (; i + 3 < dim; i += 4) {
                  d0 += (q[i] as number) * (coarse[vo + i] as number);
                  d1 += (q[i + 1] as number) * (coarse[vo + i + 1] as number);
                  d2 += (q[i + 2] as number) * (coarse[vo + i + 2] as number);
                  d3 += (q[i + 3] as number) * (coarse[vo + i + 3] as number);
                }
                for (; i < dim; i++) d0 += (q[i] as number) * (coarse[vo + i] as number);
                const s1 = scales[2 * slot] as number;
                const s2 = scales[2 * slot + 1] as number;
                const rough = s1 * (d0 + d1 + d2 + d3);
                // Each component's fine part is at most (s1 + s2) / 2, so the fine dot product
                // adds at most Σ|q_i|·(s1 + s2)/2: a candidate below the floor by more is
                // skipped, the same ones the full dot product would reject (the margin covers
                // float rounding).
                if (rough + qAbs * (s1 + s2) * 0.5 * (1 + 1e-6) + 1e-9 < this.floor) {
                  slot = next[slot * T + t] as number;
                  continue;
                }
                d0 = 0;
                d1 = 0;
                d2 = 0;
                d3 = 0;
                for (i = 0; i + 3 < dim; i += 4) {
                  d0 += (q[i] as number) * (fine[vo + i] as number);
                  d1 += (q[i + 1] as number) * (fine[vo + i + 1] as number);
                  d2 += (q[i + 2] as number) * (fine[vo + i + 2] as number);
                  d3 += (q[i + 3] as number) * (fine[vo + i + 3] as number);
                }
                for (; i < dim; i++) d0 += (q[i] as number) * (fine[vo + i] as number);
                const sim = rough + s2 * (d0 + d1 + d2 + d3);
                if (sim >= this.minSimilarity) this.offer(slot, sim, k);
              } else {
                this.offer(slot, similarityFromHamming(hamming, this.settings.poolBits), k);
              }
            }
          }
        }
      }
      slot = next[slot * T + t] as number;
    }
  }

  private offer(slot: number, sim: number, k: number): void {
    const sims = this.topSims;
    const slots = this.topSlots;
    let i = this.found;
    if (i === k) {
      if (sim <= (sims[k - 1] as number)) return;
      i = k - 1;
    } else {
      this.found++;
    }
    while (i > 0 && (sims[i - 1] as number) < sim) {
      sims[i] = sims[i - 1] as number;
      slots[i] = slots[i - 1] as number;
      i--;
    }
    sims[i] = sim;
    slots[i] = slot;
    // With k found, only a better candidate can change the result: filter by the k-th best.
    if (this.found === k && this.settings.verify) {
      const floor = sims[k - 1] as number;
      if (floor > this.floor) {
        this.floor = floor;
        this.limit = hammingLimit(this.settings.poolBits, floor, this.settings.hammingSigma);
      }
    }
  }

  private insert(record: VectorRecord): void {
    if (this.keyToSlot.size >= this.settings.maxEntries) this.evictOldest();
    const cost = keyCost(record.key);
    const budget = this.settings.maxBytes;
    if (budget !== Number.POSITIVE_INFINITY) {
      // Room for the key, for the head tables this record's buckets may grow (counted as if every
      // bucket were new) and for a slot: a free one, or growth that fits; else the oldest goes.
      while (
        this.keyToSlot.size > 0 &&
        this.bytesHeld() + cost + this.headGrowthBytes() + this.slotGrowthBytes(cost) > budget
      ) {
        this.evictOldest();
      }
    }
    this.keyBytes += cost;
    const slot = this.allocate(cost);
    const dim = this.dimension;
    const v = record.vector;
    let sum = 0;
    for (let i = 0; i < dim; i++) {
      const x = v[i] as number;
      sum += x * x;
    }
    const inv = 1 / Math.sqrt(sum);
    const unit = this.unit;
    for (let i = 0; i < dim; i++) unit[i] = (v[i] as number) * inv;
    encodeUnit(unit, dim, this.coarse, this.fine, this.scales, slot);
    const sketch = this.rows.subarray(slot * this.stride + 2, (slot + 1) * this.stride);
    this.sketchInto(v, sketch);
    this.expires[slot] = record.expiresAt ?? Number.POSITIVE_INFINITY;
    let scopeId = this.scopeToId.get(record.scope);
    if (scopeId === undefined) {
      scopeId = this.nextScopeId++;
      this.scopeToId.set(record.scope, scopeId);
      this.idToScope.set(scopeId, record.scope);
    }
    this.scopeCounts.set(scopeId, (this.scopeCounts.get(scopeId) ?? 0) + 1);
    this.rows[slot * this.stride + 1] = scopeId + 1;
    this.slotKeys[slot] = record.key;
    this.rows[slot * this.stride] = 0;
    this.keyToSlot.set(record.key, slot);
    const T = this.tableCount;
    for (let t = 0; t < T; t++) {
      const bucket = this.tableKey(t, this.rows, slot * this.stride + 2);
      const head = this.head(t, bucket);
      this.nextLink[slot * T + t] = head;
      this.prevLink[slot * T + t] = EMPTY;
      if (head !== EMPTY) this.prevLink[head * T + t] = slot;
      this.setHead(t, bucket, slot);
    }
  }

  private removeSlot(slot: number): void {
    const T = this.tableCount;
    for (let t = 0; t < T; t++) {
      const prev = this.prevLink[slot * T + t] as number;
      const next = this.nextLink[slot * T + t] as number;
      if (prev !== EMPTY) this.nextLink[prev * T + t] = next;
      else this.setHead(t, this.tableKey(t, this.rows, slot * this.stride + 2), next);
      if (next !== EMPTY) this.prevLink[next * T + t] = prev;
    }
    const key = this.slotKeys[slot] as string;
    this.keyToSlot.delete(key);
    this.keyBytes -= keyCost(key);
    this.slotKeys[slot] = undefined;
    const scopeId = (this.rows[slot * this.stride + 1] as number) - 1;
    const count = (this.scopeCounts.get(scopeId) ?? 1) - 1;
    if (count === 0) {
      this.scopeCounts.delete(scopeId);
      this.scopeToId.delete(this.idToScope.get(scopeId) as string);
      this.idToScope.delete(scopeId);
    } else {
      this.scopeCounts.set(scopeId, count);
    }
    this.rows[slot * this.stride + 1] = 0;
    this.freeSlots.push(slot);
  }

  private evictOldest(): void {
    this.removeSlot(this.keyToSlot.values().next().value as number);
  }

  /** At most the bytes the bucket heads can grow by when one record is added. */
  private headGrowthBytes(): number {
    let bytes = 0;
    for (const h of this.heads) bytes += h.growthBytes;
    return bytes;
  }

  /** Bytes the per-slot arrays grow by to place one more record (0 with a free slot). */
  private slotGrowthBytes(cost: number): number {
    if (this.freeSlots.length > 0 || this.highWater < this.capacity) return 0;
    const capacity = this.grownCapacity(cost);
    // Growth that does not fit: the caller evicts, which frees a slot.
    return capacity === this.capacity
      ? Number.POSITIVE_INFINITY
      : (capacity - this.capacity) * this.slotBytes;
  }

  /**
   * The capacity to grow to: a quarter more (at least 256 slots more), so the unused reserve
   * stays below a fifth of the arrays, capped by `maxEntries` and by what fits in `maxBytes`
   * next to the key of `cost` bytes and the heads' possible growth. The current capacity when
   * nothing fits.
   */
  private grownCapacity(cost: number): number {
    let capacity = Math.min(
      this.settings.maxEntries,
      Math.max(this.capacity + 256, Math.ceil(this.capacity * 1.25)),
    );
    const budget = this.settings.maxBytes;
    if (budget !== Number.POSITIVE_INFINITY) {
      const room = budget - this.bytesHeld() - cost - this.headGrowthBytes();
      capacity = Math.min(capacity, this.capacity + Math.max(0, Math.floor(room / this.slotBytes)));
    }
    return capacity;
  }

  private allocate(cost: number): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.highWater === this.capacity)
      this.grow(Math.max(this.capacity + 1, this.grownCapacity(cost)));
    return this.highWater++;
  }

  private grow(capacity: number): void {
    const T = this.tableCount;
    this.coarse = growTo(this.coarse, capacity * this.dimension);
    this.fine = growTo(this.fine, capacity * this.dimension);
    this.scales = growTo(this.scales, capacity * 2);
    this.rows = growTo(this.rows, capacity * this.stride);
    this.nextLink = growTo(this.nextLink, capacity * T);
    this.prevLink = growTo(this.prevLink, capacity * T);
    this.expires = growTo(this.expires, capacity);
    for (let i = this.capacity; i < capacity; i++) this.slotKeys.push(undefined);
    this.capacity = capacity;
  }

  /** Drops every record and gives the memory back: the arrays return to `initialCapacity`. */
  private resetAll(): void {
    this.heads = this.heads.map(() => new BucketHeads(this.planes));
    this.keyToSlot.clear();
    this.scopeToId.clear();
    this.scopeCounts.clear();
    this.idToScope.clear();
    this.keyBytes = 0;
    const capacity = Math.min(this.settings.initialCapacity, this.settings.maxEntries);
    this.coarse = new Int8Array(capacity * this.dimension);
    this.fine = new Int16Array(capacity * this.dimension);
    this.scales = new Float32Array(capacity * 2);
    this.rows = new Uint32Array(capacity * this.stride);
    this.nextLink = new Int32Array(capacity * this.tableCount);
    this.prevLink = new Int32Array(capacity * this.tableCount);
    this.expires = new Float64Array(capacity);
    this.slotKeys = new Array(capacity).fill(undefined);
    this.capacity = capacity;
    this.freeSlots = [];
    this.highWater = 0;
  }

  private sketchInto(vector: Float32Array, out: Uint32Array): void {
    const proj = this.projection;
    this.projector.project(vector, proj);
    for (let w = 0; w < this.words; w++) {
      let word = 0;
      for (let b = 0; b < 32; b++) if ((proj[w * 32 + b] as number) > 0) word |= 1 << b;
      out[w] = word >>> 0;
    }
  }

  private tableKey(t: number, sketches: Uint32Array, offset: number): number {
    const bits = this.tableBits;
    const off = t * this.planes;
    let key = 0;
    for (let j = 0; j < this.planes; j++) {
      const idx = bits[off + j] as number;
      key |= (((sketches[offset + (idx >>> 5)] as number) >>> (idx & 31)) & 1) << j;
    }
    return key >>> 0;
  }

  private head(t: number, bucket: number): number {
    return (this.heads[t] as BucketHeads).get(bucket);
  }

  private setHead(t: number, bucket: number, slot: number): void {
    (this.heads[t] as BucketHeads).set(bucket, slot);
  }

  private validateRecord(record: VectorRecord): void {
    if (typeof record !== 'object' || record === null) {
      throw new InvalidRequestError(
        'LshVectorStore.upsert: each record must be an object { key, scope, vector, expiresAt? }.',
      );
    }
    if (typeof record.key !== 'string' || record.key.length === 0) {
      throw new InvalidRequestError(
        'LshVectorStore.upsert: record.key must be a non-empty string (the entry key).',
      );
    }
    if (typeof record.scope !== 'string' || record.scope.length === 0) {
      throw new InvalidRequestError(
        `LshVectorStore.upsert: record ${record.key} needs a non-empty string scope.`,
      );
    }
    if (
      record.expiresAt !== undefined &&
      (typeof record.expiresAt !== 'number' || !Number.isFinite(record.expiresAt))
    ) {
      throw new InvalidRequestError(
        `LshVectorStore.upsert: record ${record.key} has expiresAt ${String(record.expiresAt)}; use epoch milliseconds or omit it.`,
      );
    }
    assertValidVector(record.vector, this.dimension, 'LshVectorStore.upsert');
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('LshVectorStore');
  }
}

function validateSearchOptions(options: VectorSearchOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidRequestError(
      'LshVectorStore.search: options { scope, k, minSimilarity } are required.',
    );
  }
  if (typeof options.scope !== 'string' || options.scope.length === 0) {
    throw new InvalidRequestError('LshVectorStore.search: scope must be a non-empty string.');
  }
  if (!Number.isSafeInteger(options.k) || options.k < 1) {
    throw new InvalidRequestError(
      `LshVectorStore.search: k must be a positive integer; got ${String(options.k)}.`,
    );
  }
  if (
    typeof options.minSimilarity !== 'number' ||
    !(options.minSimilarity >= -1 && options.minSimilarity <= 1)
  ) {
    throw new InvalidRequestError(
      `LshVectorStore.search: minSimilarity is a cosine similarity in [-1, 1]; got ${String(options.minSimilarity)}.`,
    );
  }
}

function growTo<
  T extends Float32Array | Float64Array | Uint32Array | Int32Array | Int16Array | Int8Array,
>(array: T, length: number): T {
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array);
  return grown;
}

/**
 * What a key is counted for in the byte budget: 2 bytes per UTF-16 unit (V8 keeps ASCII in
 * one, so this is an upper bound) plus 64 for the string header and the Map entry.
 */
function keyCost(key: string): number {
  return 2 * key.length + 64;
}
