import { createRequire } from 'node:module';
import { fastestOf, sampleLatencies } from './measure.js';
import { type LatencySummary, type RecallFigures, recallOf, summarize } from './stats.js';
import type { VectorSource } from './vector-run.js';

/** The part of hnswlib-node's index the baseline uses (typed here: the package is optional). */
interface HnswIndex {
  initIndex(options: {
    maxElements: number;
    m: number;
    efConstruction: number;
    randomSeed: number;
  }): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
}

/** The part of the hnswlib-node module the baseline uses. */
export interface HnswModule {
  HierarchicalNSW: new (space: 'ip' | 'l2' | 'cosine', dimension: number) => HnswIndex;
}

/** Whether the optional peer loaded: the module, or why it is absent. */
export type HnswAvailability =
  | { available: true; module: HnswModule }
  | { available: false; reason: string };

let loaded: HnswAvailability | undefined;

/**
 * Loads hnswlib-node, an optional dependency of the bench: it compiles with node-gyp on install,
 * so a machine without a C++ toolchain has no working copy. Returns why when it cannot load.
 */
export function loadHnswlib(enabled = true): HnswAvailability {
  if (!enabled) return { available: false, reason: 'hnswlib skipped (--no-hnswlib)' };
  if (loaded === undefined) {
    try {
      const module = createRequire(import.meta.url)('hnswlib-node') as HnswModule;
      if (typeof module.HierarchicalNSW !== 'function')
        throw new Error('no HierarchicalNSW export');
      loaded = { available: true, module };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      loaded = {
        available: false,
        reason: `hnswlib-node is not installed or did not build (${message}); its rows are skipped`,
      };
    }
  }
  return loaded;
}

/** Options of {@link runHnswBaseline}. */
export interface HnswOptions {
  /** Graph degree (hnswlib's `M`). */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Search-time candidate list sizes to try, ascending; the first reaching `targetRecall` is timed. */
  efs: readonly number[];
  /** Recall the tuned `ef` must reach. */
  targetRecall: number;
  /** Results per search. */
  k: number;
  /** Cosine threshold applied to the returned neighbours. */
  minSimilarity: number;
  /** Untimed searches before the timed ones. */
  warmup: number;
}

/** One point of the `ef` sweep. */
export interface EfPoint {
  /** Search-time candidate list size. */
  ef: number;
  /** Recall at that `ef`. */
  recall: number;
}

/** What {@link runHnswBaseline} measured. */
export interface HnswFigures {
  /** Wall time of adding every vector (single-threaded `addPoint`), in ms. */
  buildMs: number;
  /** Growth of the resident set while building, per vector (the index lives in native memory). */
  bytesPerEntry: number;
  /** The recall of each `ef` tried, in order. */
  sweep: EfPoint[];
  /** The `ef` that was timed. */
  ef: number;
  /** Whether that `ef` reached the target recall (false: the largest `ef` tried was timed). */
  reachedTarget: boolean;
  /** Search latency at `ef`, one sample per query. */
  latency: LatencySummary;
  /** Recall at `ef`. */
  recall: RecallFigures;
  /** Per query, the fastest of three more searches: what pre-emption by other processes hides. */
  fastestOf3: LatencySummary;
}

/**
 * hnswlib-node (the HNSW graph of the C++ hnswlib) as the peer a TypeScript user would pick:
 * builds the index over `source` in the inner-product space (the vectors are unit length, so
 * that is cosine), tunes `ef` on the query set until recall reaches the target, and times each
 * query at that `ef`. Queries are converted to plain arrays before timing, hnswlib's input
 * type, so the conversion is not charged to it.
 */
export async function runHnswBaseline(
  hnswlib: HnswModule,
  source: VectorSource,
  queries: readonly Float32Array[],
  truth: readonly (readonly number[])[],
  options: HnswOptions,
): Promise<HnswFigures> {
  const dimension = (source.row(0) as Float32Array).length;
  const index = new hnswlib.HierarchicalNSW('ip', dimension);
  const rssBefore = process.memoryUsage().rss;
  index.initIndex({
    maxElements: source.size,
    m: options.m,
    efConstruction: options.efConstruction,
    randomSeed: 100,
  });
  const buildStart = performance.now();
  for (let i = 0; i < source.size; i++) index.addPoint(Array.from(source.row(i)), i);
  const buildMs = performance.now() - buildStart;
  const bytesPerEntry = (process.memoryUsage().rss - rssBefore) / source.size;

  const plain = queries.map((q) => Array.from(q));
  const maxDistance = 1 - options.minSimilarity;
  const searchAll = (): number[][] =>
    plain.map((q) => {
      const found = index.searchKnn(q, options.k);
      return found.neighbors.filter((_, j) => (found.distances[j] as number) <= maxDistance);
    });

  const sweep: EfPoint[] = [];
  let ef = options.efs[options.efs.length - 1] as number;
  let reachedTarget = false;
  for (const candidate of options.efs) {
    index.setEf(candidate);
    const recall = recallOf(truth, searchAll()).recall;
    sweep.push({ ef: candidate, recall });
    if (recall >= options.targetRecall) {
      ef = candidate;
      reachedTarget = true;
      break;
    }
  }
  index.setEf(ef);
  const results: number[][] = [];
  const samples = await sampleLatencies(
    'hnswlib',
    (i) => {
      const found = index.searchKnn(plain[i % plain.length] as number[], options.k);
      if (i < plain.length) {
        results[i] = found.neighbors.filter(
          (_, j) => (found.distances[j] as number) <= maxDistance,
        );
      }
    },
    { iterations: plain.length, warmup: options.warmup, async: false },
  );
  return {
    buildMs,
    bytesPerEntry,
    sweep,
    ef,
    reachedTarget,
    latency: summarize(samples),
    recall: recallOf(truth, results),
    fastestOf3: await fastestOf(3, plain.length, (i) => {
      index.searchKnn(plain[i] as number[], options.k);
    }),
  };
}

/**
 * The JSON figures of one hnswlib run; every key present and null when hnswlib-node is absent,
 * so a report always has the same shape.
 */
export function hnswReport(
  hnsw: HnswFigures | undefined,
  settings: { hnswM: number; hnswEfConstruction: number },
): Record<string, unknown> {
  return {
    available: hnsw !== undefined,
    p50Us: hnsw?.latency.p50Us ?? null,
    p99Us: hnsw?.latency.p99Us ?? null,
    meanUs: hnsw?.latency.meanUs ?? null,
    recall: hnsw?.recall.recall ?? null,
    ef: hnsw?.ef ?? null,
    reachedTarget: hnsw?.reachedTarget ?? null,
    m: settings.hnswM,
    efConstruction: settings.hnswEfConstruction,
    buildMs: hnsw?.buildMs ?? null,
    bytesPerEntry: hnsw?.bytesPerEntry ?? null,
    fastestOf3P50Us: hnsw?.fastestOf3.p50Us ?? null,
    fastestOf3P99Us: hnsw?.fastestOf3.p99Us ?? null,
    sweep: hnsw?.sweep ?? null,
  };
}
