import type { VectorStore } from '@cache/core';
import { sampleLatencies } from './measure.js';
import { heldBytes } from './memory.js';
import { type LatencySummary, type RecallFigures, recallOf, summarize } from './stats.js';

/** Vectors to load into a store: `size` rows read through `row`. */
export interface VectorSource {
  /** Number of vectors. */
  size: number;
  /** Vector `i` (may be a view; the runner hands stores a copy). */
  row(i: number): Float32Array;
}

/** Options of {@link runVectorStore}. */
export interface VectorRunOptions {
  /** Scope every record is written to and searched in. */
  scope: string;
  /** Results per search. */
  k: number;
  /** Cosine threshold of every search. */
  minSimilarity: number;
  /** Records per `upsert` call. */
  batch: number;
  /** Untimed searches before the timed ones. */
  warmup: number;
  /** Measure the memory held by the store after loading (in-process stores only). */
  measureMemory: boolean;
  /**
   * `heldBytes()` taken before the store was constructed, so what the constructor allocates
   * (tables, initial slots) counts too; default: taken just before loading.
   */
  memoryBaseline?: number;
}

/** What {@link runVectorStore} measured. */
export interface VectorRunFigures {
  /** Wall time of loading every vector, in ms. */
  loadMs: number;
  /** Search latency over the query set. */
  latency: LatencySummary;
  /** Recall against the exact scan. */
  recall: RecallFigures;
  /** Bytes held per stored vector (including the vector itself), when measured. */
  bytesPerEntry?: number;
}

/** The entry key of row `i`: `<scope>:<digest>`, sized like the cache's own keys. */
export function rowKey(scope: string, i: number): string {
  return `${scope}:${i.toString(16).padStart(43, '0')}`;
}

/** Row number back from {@link rowKey}. */
export function rowOfKey(key: string): number {
  return Number.parseInt(key.slice(key.indexOf(':') + 1), 16);
}

/**
 * Loads `source` into `store`, then runs every query once (timed, one sample per query) and
 * compares the returned rows to `truth` (the exact scan's rows per query).
 */
export async function runVectorStore(
  store: VectorStore,
  source: VectorSource,
  queries: readonly Float32Array[],
  truth: readonly (readonly number[])[],
  options: VectorRunOptions,
): Promise<VectorRunFigures> {
  const before = options.measureMemory ? (options.memoryBaseline ?? heldBytes()) : 0;
  const loadStart = performance.now();
  for (let start = 0; start < source.size; start += options.batch) {
    const end = Math.min(source.size, start + options.batch);
    const records = [];
    for (let i = start; i < end; i++) {
      records.push({
        key: rowKey(options.scope, i),
        scope: options.scope,
        vector: source.row(i).slice(),
      });
    }
    await store.upsert(records);
  }
  const loadMs = performance.now() - loadStart;
  const bytesPerEntry = options.measureMemory ? (heldBytes() - before) / source.size : undefined;

  const results: number[][] = [];
  const search = { scope: options.scope, k: options.k, minSimilarity: options.minSimilarity };
  const samples = await sampleLatencies(
    store.name,
    async (i) => {
      const matches = await store.search(queries[i % queries.length] as Float32Array, search);
      if (i < queries.length) results[i] = matches.map((m) => rowOfKey(m.key));
    },
    { iterations: queries.length, warmup: options.warmup, async: true },
  );
  return {
    loadMs,
    latency: summarize(samples),
    recall: recallOf(truth, results),
    ...(bytesPerEntry === undefined ? {} : { bytesPerEntry }),
  };
}
