import { operatingPointFor } from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import { BruteForceIndex } from '../brute-force.js';
import { type BenchContext, benchScope, put, sized } from '../context.js';
import { makePlantedDataset, randomUnit, rowOf } from '../dataset.js';
import { embedAll } from '../embed-all.js';
import { loadEvalData, unique } from '../eval-data.js';
import { hnswReport, loadHnswlib, runHnswBaseline } from '../hnsw-baseline.js';
import { fastestOf, sampleLatencies } from '../measure.js';
import { fullGc, heldBytes } from '../memory.js';
import { Prng } from '../prng.js';
import { type LatencySummary, summarize } from '../stats.js';
import { type Cell, note, printTable } from '../table.js';
import { rowKey, runVectorStore, type VectorSource } from '../vector-run.js';

const PLANTED_FLOOR = 0.85;
const K = 10;
const HNSW_EFS = [10, 16, 24, 32, 40, 48, 64, 80, 96, 128, 192, 256, 384, 512];
const MIB = 1024 * 1024;

/** What one store measured at one size. */
interface ScaleRow {
  /** Data set: `planted` random vectors or `real` embeddings. */
  data: string;
  /** Engine name. */
  engine: string;
  /** Vectors stored. */
  size: number;
  /** Queries timed. */
  queries: number;
  /** Cosine floor of the searches. */
  floor: number;
  /** Recall against the exact scan, or undefined for the scan itself. */
  recall: number | undefined;
  /** Latency of one search. */
  latency: LatencySummary;
  /** Per query, the fastest of three more searches (undefined for the scan: too slow). */
  fastest: LatencySummary | undefined;
  /** Wall time of building the index (0 for the scan). */
  buildMs: number;
  /** Memory per entry, measured (heap + array buffers for LSH, RSS growth for hnswlib). */
  bytesPerEntry: number;
  /** Resident set of the process after building, in bytes. */
  rssBytes: number;
  /** Free-form settings. */
  settings: string;
}

/** A short label of a size for JSON keys: 10000 → 10k, 1000000 → 1m. */
function sizeLabel(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

/**
 * Section `scale`: how LshVectorStore holds from 10,000 to 1,000,000 entries at the default
 * embedder's dimension (`--scale-dimension`, default 384). Per size: planted near-duplicates
 * among random unit vectors as in the `ann` section (1–3 per query at cosine 0.86–0.98, decoys
 * at 0.70–0.84), searched at cosine ≥ 0.85, against the exact scan (the recall truth, at every
 * size) and hnswlib-node (up to `--scale-hnsw-max` entries, when installed); then the real
 * embeddings of the evaluation texts at the embedder's calibrated floor, and a store under a
 * byte budget filled far past it.
 */
export async function scaleSection(ctx: BenchContext): Promise<void> {
  const dimension = ctx.scaleDimension;
  const sizes =
    ctx.scaleSizes ?? sized(ctx, [10_000, 100_000, 1_000_000], [10_000, 50_000], [2_000]);
  put(ctx.report, 'scale.dimension', dimension);
  put(ctx.report, 'scale.sizes', sizes);
  const hnswlib = loadHnswlib(ctx.hnswlib);
  if (!hnswlib.available) note(hnswlib.reason);
  const rows: ScaleRow[] = [];
  let largestHnsw: { size: number; p99Us: number } | undefined;

  for (const size of sizes) {
    fullGc();
    const label = sizeLabel(size);
    // Fewer queries at a million: each exact scan reads 1.5 GB.
    const queryCount = sized(ctx, size > 200_000 ? 200 : 1_000, 200, 20);
    const data = makePlantedDataset({ size, dimension, queries: queryCount, seed: ctx.seed });
    const source: VectorSource = { size, row: (i: number) => rowOf(data, i) };

    const brute = new BruteForceIndex(data.data, dimension);
    const truth: number[][] = [];
    const bruteSamples = await sampleLatencies(
      'brute force',
      (i) => {
        const found = brute.search(data.queries[i % queryCount] as Float32Array, K, PLANTED_FLOOR);
        if (i < queryCount) truth[i] = found.map((m) => m.row);
      },
      { iterations: queryCount, warmup: sized(ctx, 5, 5, 2), async: false },
    );
    const bruteRow: ScaleRow = {
      data: 'planted',
      engine: 'brute force (JS scan)',
      size,
      queries: queryCount,
      floor: PLANTED_FLOOR,
      recall: undefined,
      latency: summarize(bruteSamples),
      fastest: undefined,
      buildMs: 0,
      bytesPerEntry: data.data.byteLength / size,
      rssBytes: process.memoryUsage().rss,
      settings: 'float32 matrix, 4-way unrolled dot',
    };
    rows.push(bruteRow);
    put(ctx.report, `scale.bruteForce${label}`, {
      size,
      p50Us: bruteRow.latency.p50Us,
      p99Us: bruteRow.latency.p99Us,
      bytesPerEntry: bruteRow.bytesPerEntry,
    });

    const baseline = heldBytes();
    const store = new LshVectorStore({ dimension, maxEntries: Math.max(size, 1_000_000) });
    const scope = benchScope('s');
    const lsh = await runVectorStore(store, source, data.queries, truth, {
      scope,
      k: K,
      minSimilarity: PLANTED_FLOOR,
      batch: 1_000,
      warmup: Math.min(100, queryCount),
      measureMemory: true,
      memoryBaseline: baseline,
    });
    const rssBytes = process.memoryUsage().rss;
    const own = store.memory();
    const search = { scope, k: K, minSimilarity: PLANTED_FLOOR };
    const fastest = await fastestOf(3, queryCount, (i) =>
      store.search(data.queries[i] as Float32Array, search),
    );
    let candidates = 0;
    let verified = 0;
    for (const query of data.queries) {
      await store.search(query, { scope, k: K, minSimilarity: PLANTED_FLOOR });
      candidates += store.lastSearch.candidates;
      verified += store.lastSearch.verified;
    }
    await store.close();
    const lshRow: ScaleRow = {
      data: 'planted',
      engine: 'LshVectorStore',
      size,
      queries: queryCount,
      floor: PLANTED_FLOOR,
      recall: lsh.recall.recall,
      latency: lsh.latency,
      fastest,
      buildMs: lsh.loadMs,
      bytesPerEntry: lsh.bytesPerEntry ?? Number.NaN,
      rssBytes,
      settings: `defaults; ${(candidates / queryCount).toFixed(0)} candidates, ${(verified / queryCount).toFixed(1)} checked/query`,
    };
    rows.push(lshRow);
    put(ctx.report, `scale.lsh${label}`, {
      size,
      queries: queryCount,
      recall: lsh.recall.recall,
      missed: lsh.recall.expected - lsh.recall.found,
      expected: lsh.recall.expected,
      p50Us: lsh.latency.p50Us,
      p99Us: lsh.latency.p99Us,
      meanUs: lsh.latency.meanUs,
      fastestOf3P50Us: fastest.p50Us,
      fastestOf3P99Us: fastest.p99Us,
      buildMs: lsh.loadMs,
      bytesPerEntry: lsh.bytesPerEntry,
      ownBytesPerEntry: own.totalBytes / own.entries,
      headBytes: own.headBytes,
      capacity: own.capacity,
      rssBytes,
      candidatesPerQuery: candidates / queryCount,
      verifiedPerQuery: verified / queryCount,
    });
    ctx.flush();
    note(
      `${size.toLocaleString('en')} × ${dimension}: LSH recall ${lsh.recall.recall.toFixed(4)}, p99 ${lsh.latency.p99Us.toFixed(0)} µs, ${lsh.bytesPerEntry?.toFixed(0)} B/entry, built in ${(lsh.loadMs / 1000).toFixed(1)} s; brute force p99 ${bruteRow.latency.p99Us.toFixed(0)} µs`,
    );

    if (hnswlib.available && size <= ctx.scaleHnswMax) {
      fullGc();
      const hnsw = await runHnswBaseline(hnswlib.module, source, data.queries, truth, {
        m: ctx.hnswM,
        efConstruction: ctx.hnswEfConstruction,
        efs: HNSW_EFS,
        targetRecall: 0.98,
        k: K,
        minSimilarity: PLANTED_FLOOR,
        warmup: Math.min(100, queryCount),
      });
      rows.push({
        data: 'planted',
        engine: 'hnswlib-node',
        size,
        queries: queryCount,
        floor: PLANTED_FLOOR,
        recall: hnsw.recall.recall,
        latency: hnsw.latency,
        fastest: hnsw.fastestOf3,
        buildMs: hnsw.buildMs,
        bytesPerEntry: hnsw.bytesPerEntry,
        rssBytes: process.memoryUsage().rss,
        settings: `M ${ctx.hnswM}, efConstruction ${ctx.hnswEfConstruction}, ef ${hnsw.ef}${hnsw.reachedTarget ? '' : ' (recall 0.98 not reached)'}`,
      });
      put(ctx.report, `scale.hnswlib${label}`, { size, ...hnswReport(hnsw, ctx) });
      largestHnsw = { size, p99Us: hnsw.latency.p99Us };
    } else {
      put(ctx.report, `scale.hnswlib${label}`, { size, ...hnswReport(undefined, ctx) });
      note(
        `${size.toLocaleString('en')}: hnswlib ${hnswlib.available ? `not built above --scale-hnsw-max ${ctx.scaleHnswMax.toLocaleString('en')}` : 'absent'}`,
      );
    }
    ctx.flush();
  }

  await realRows(ctx, rows);
  printTable(
    `LSH at scale: ${dimension}-d vectors, k = ${K} (planted: random unit vectors with near-duplicates, as in the ann section)`,
    [
      'data',
      'engine',
      'entries',
      'queries',
      'floor',
      'recall',
      'p50 µs',
      'p99 µs',
      'fastest-of-3 p99 µs',
      'build s',
      'B/entry',
      'RSS MiB',
      'settings',
    ],
    rows.map((r): Cell[] => [
      r.data,
      r.engine,
      r.size,
      r.queries,
      r.floor,
      r.recall,
      r.latency.p50Us,
      r.latency.p99Us,
      r.fastest?.p99Us,
      r.buildMs / 1000,
      r.bytesPerEntry,
      r.rssBytes / MIB,
      r.settings,
    ]),
  );
  note(
    'B/entry: LshVectorStore measured as heap + array buffers held after loading (codes, index, keys, maps) ÷ entries; hnswlib as RSS growth while building ÷ entries (native memory); the scan holds the float32 matrix alone',
  );
  note('RSS: the whole bench process after building (it holds the generated float32 data set too)');

  const top = Math.max(...sizes);
  const lshTop = rows.find(
    (r) => r.engine === 'LshVectorStore' && r.size === top && r.data === 'planted',
  );
  if (lshTop !== undefined) {
    const bytesGoal = 1.5 * dimension * 4;
    const recallOk = (lshTop.recall ?? 0) >= 0.98;
    const p99Ok = lshTop.latency.p99Us <= 1_000;
    const hnswOk =
      largestHnsw === undefined ? undefined : lshTop.latency.p99Us <= largestHnsw.p99Us;
    note(
      `goals at ${top.toLocaleString('en')}: recall ≥ 0.98 ${recallOk ? 'holds' : 'FAILS'}; p99 ≤ 1,000 µs ${p99Ok ? 'holds' : 'FAILS'}; p99 ≤ hnswlib p99${largestHnsw ? ` at ${largestHnsw.size.toLocaleString('en')} (${largestHnsw.p99Us.toFixed(0)} µs)` : ''} ${hnswOk === undefined ? 'not measured (no hnswlib run)' : hnswOk ? 'holds' : 'FAILS'}; bytes/entry ≤ 1.5 × ${dimension} × 4 = ${bytesGoal} ${lshTop.bytesPerEntry <= bytesGoal ? 'holds' : 'FAILS'}`,
    );
    put(ctx.report, 'scale.hnswlibCompared', largestHnsw ?? null);
  }

  await budgetRow(ctx, dimension);
}

/** LSH against the exact scan on the real embeddings of the evaluation texts. */
async function realRows(ctx: BenchContext, rows: ScaleRow[]): Promise<void> {
  const evalData = loadEvalData(ctx.evalDir);
  const texts = unique([
    ...evalData.paraphrasePairs.flatMap((p) => [p.origin, p.similar]),
    ...evalData.questionPairs.flatMap((p) => [p.question1, p.question2]),
  ]);
  const rng = new Prng(ctx.seed ^ 0x5ca1e);
  for (let i = texts.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
  }
  // 6,000 texts embed in about a minute and a half here; all 19,311 take over four.
  const chosen = texts.slice(0, sized(ctx, 6_000, 2_000, 300));
  const queryCount = sized(ctx, 1_000, 200, 30);
  const embedder = new LocalEmbedder();
  const embedStart = performance.now();
  const vectors = await embedAll(embedder, chosen, ctx.cacheDir);
  const embedMs = performance.now() - embedStart;
  await embedder.close();
  const dimension = embedder.dimension;
  const floor = operatingPointFor(embedder.id).minSimilarity;
  const queries = vectors.slice(0, queryCount);
  const stored = vectors.slice(queryCount);
  const matrix = new Float32Array(stored.length * dimension);
  stored.forEach((v, i) => matrix.set(v, i * dimension));
  const brute = new BruteForceIndex(matrix, dimension);
  const truth: number[][] = [];
  const bruteSamples = await sampleLatencies(
    'brute force',
    (i) => {
      const found = brute.search(queries[i % queryCount] as Float32Array, K, floor);
      if (i < queryCount) truth[i] = found.map((m) => m.row);
    },
    { iterations: queryCount, warmup: 5, async: false },
  );
  const baseline = heldBytes();
  const store = new LshVectorStore({ dimension });
  const scope = benchScope('s');
  const lsh = await runVectorStore(
    store,
    { size: stored.length, row: (i) => stored[i] as Float32Array },
    queries,
    truth,
    {
      scope,
      k: K,
      minSimilarity: floor,
      batch: 1_000,
      warmup: 100,
      measureMemory: true,
      memoryBaseline: baseline,
    },
  );
  const rssBytes = process.memoryUsage().rss;
  const search = { scope, k: K, minSimilarity: floor };
  const fastest = await fastestOf(3, queryCount, (i) =>
    store.search(queries[i] as Float32Array, search),
  );
  await store.close();
  const base = { data: `real (${embedder.id})`, size: stored.length, queries: queryCount, floor };
  rows.push({
    ...base,
    engine: 'brute force (JS scan)',
    recall: undefined,
    latency: summarize(bruteSamples),
    fastest: undefined,
    buildMs: 0,
    bytesPerEntry: dimension * 4,
    rssBytes,
    settings: `${truth.reduce((n, t) => n + t.length, 0)} exact matches`,
  });
  rows.push({
    ...base,
    engine: 'LshVectorStore',
    recall: lsh.recall.recall,
    latency: lsh.latency,
    fastest,
    buildMs: lsh.loadMs,
    bytesPerEntry: lsh.bytesPerEntry ?? Number.NaN,
    rssBytes,
    settings: `defaults; embedded in ${(embedMs / 1000).toFixed(1)} s${ctx.cacheDir ? ' (or read from the cache folder)' : ''}`,
  });
  put(ctx.report, 'scale.real', {
    embedder: embedder.id,
    dimension,
    stored: stored.length,
    queries: queryCount,
    floor,
    recall: lsh.recall.recall,
    p50Us: lsh.latency.p50Us,
    p99Us: lsh.latency.p99Us,
    bytesPerEntry: lsh.bytesPerEntry,
    bruteP99Us: summarize(bruteSamples).p99Us,
  });
}

/**
 * A store with `maxBytes` filled with many more records than fit: its own accounting is read
 * after every batch and must stay under the budget; the heap measurement is printed beside it.
 */
async function budgetRow(ctx: BenchContext, dimension: number): Promise<void> {
  const maxBytes = sized(ctx, 64, 16, 4) * MIB;
  const inserted = sized(ctx, 200_000, 50_000, 10_000);
  const rng = new Prng(ctx.seed ^ 0xb0d9e7);
  const scope = benchScope('b');
  const baseline = heldBytes();
  const rssBefore = process.memoryUsage().rss;
  const store = new LshVectorStore({ dimension, maxBytes });
  let peak = 0;
  const start = performance.now();
  for (let i = 0; i < inserted; i += 1_000) {
    const batch = [];
    for (let j = i; j < Math.min(inserted, i + 1_000); j++) {
      batch.push({
        key: rowKey(scope, j),
        scope,
        vector: randomUnit(rng, new Float32Array(dimension)),
      });
    }
    await store.upsert(batch);
    peak = Math.max(peak, store.memory().totalBytes);
  }
  const loadMs = performance.now() - start;
  const own = store.memory();
  const held = heldBytes() - baseline;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  await store.close();
  printTable(
    `LshVectorStore under a byte budget: ${inserted.toLocaleString('en')} records of ${dimension} dimensions into maxBytes ${maxBytes / MIB} MiB`,
    [
      'entries kept',
      'own MiB (peak)',
      'own MiB (end)',
      'heap-measured MiB',
      'RSS growth MiB',
      'load s',
      'under budget',
    ],
    [
      [
        own.entries,
        peak / MIB,
        own.totalBytes / MIB,
        held / MIB,
        rssGrowth / MIB,
        loadMs / 1000,
        peak <= maxBytes ? 'yes' : 'NO',
      ],
    ],
  );
  note(
    'own: the store’s accounting that maxBytes bounds (arrays by slot, heads, keys estimated); heap-measured: heap + array buffers held, after a full GC',
  );
  put(ctx.report, 'scale.budget', {
    maxBytes,
    inserted,
    entries: own.entries,
    peakBytes: peak,
    endBytes: own.totalBytes,
    heldBytes: held,
    rssGrowthBytes: rssGrowth,
    underBudget: peak <= maxBytes,
  });
}
