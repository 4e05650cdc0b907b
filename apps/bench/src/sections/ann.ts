import { LshVectorStore } from '@cache/lsh';
import { BruteForceIndex } from '../brute-force.js';
import { type BenchContext, benchScope, put, sized } from '../context.js';
import { makePlantedDataset, rowOf } from '../dataset.js';
import { hnswReport, loadHnswlib, runHnswBaseline } from '../hnsw-baseline.js';
import { sampleLatencies } from '../measure.js';
import { heldBytes } from '../memory.js';
import { recallOf, summarize } from '../stats.js';
import { note, printTable } from '../table.js';
import { runVectorStore } from '../vector-run.js';

const MIN_SIMILARITY = 0.85;
const K = 10;
const HNSW_EFS = [10, 16, 24, 32, 40, 48, 64, 80, 96, 128, 192, 256, 384, 512];

/**
 * Section `ann`: LshVectorStore against the exact scan and hnswlib-node on random unit vectors
 * (100,000 × 512, 1,000 queries, 1–3 near-duplicates planted per query at cosine 0.86–0.98 and
 * 0–2 decoys at 0.70–0.84). The exact scan defines the truth: recall is the share of its matches
 * at cosine ≥ 0.85 that a store returns.
 */
export async function annSection(ctx: BenchContext): Promise<void> {
  const size = sized(ctx, 100_000, 10_000, 2_000);
  const queryCount = sized(ctx, 1_000, 200, 20);
  const dimension = 512;
  const genStart = performance.now();
  const data = makePlantedDataset({ size, dimension, queries: queryCount, seed: ctx.seed });
  const genMs = performance.now() - genStart;
  const source = { size, row: (i: number) => rowOf(data, i) };

  const brute = new BruteForceIndex(data.data, dimension);
  const truth: number[][] = [];
  const bruteSamples = await sampleLatencies(
    'brute force',
    (i) => {
      const found = brute.search(data.queries[i % queryCount] as Float32Array, K, MIN_SIMILARITY);
      if (i < queryCount) truth[i] = found.map((m) => m.row);
    },
    { iterations: queryCount, warmup: sized(ctx, 20, 5, 2), async: false },
  );
  const bruteLatency = summarize(bruteSamples);
  const plantedCheck = recallOf(data.planted, truth);

  const baseline = heldBytes();
  const store = new LshVectorStore({ dimension });
  const scope = benchScope('a');
  const lsh = await runVectorStore(store, source, data.queries, truth, {
    scope,
    k: K,
    minSimilarity: MIN_SIMILARITY,
    batch: 1_000,
    warmup: 100,
    measureMemory: true,
    memoryBaseline: baseline,
  });
  const own = store.memory();
  let candidates = 0;
  let verified = 0;
  for (const query of data.queries) {
    await store.search(query, { scope, k: K, minSimilarity: MIN_SIMILARITY });
    candidates += store.lastSearch.candidates;
    verified += store.lastSearch.verified;
  }
  await store.close();

  // Recorded before hnswlib builds its graph (minutes), so an interrupted run keeps them.
  put(ctx.report, 'lsh', {
    size,
    dimension,
    queries: queryCount,
    recall: lsh.recall.recall,
    p50Us: lsh.latency.p50Us,
    p99Us: lsh.latency.p99Us,
    meanUs: lsh.latency.meanUs,
    bytesPerEntry: lsh.bytesPerEntry,
    ownBytesPerEntry: own.bytesPerEntry,
    indexBytesPerEntry: own.indexBytesPerEntry,
    loadMs: lsh.loadMs,
    candidatesPerQuery: candidates / queryCount,
    verifiedPerQuery: verified / queryCount,
    settings: { ...store.settings, now: undefined },
  });
  put(ctx.report, 'bruteForce', {
    p50Us: bruteLatency.p50Us,
    p99Us: bruteLatency.p99Us,
    meanUs: bruteLatency.meanUs,
    matches: plantedCheck.expected,
  });
  ctx.flush();
  const hnswlib = loadHnswlib(ctx.hnswlib);
  note(
    `LSH recall ${lsh.recall.recall.toFixed(4)}, p50 ${lsh.latency.p50Us.toFixed(0)} µs, p99 ${lsh.latency.p99Us.toFixed(0)} µs; brute force p99 ${bruteLatency.p99Us.toFixed(0)} µs; ${hnswlib.available ? `now building hnswlib (M ${ctx.hnswM}, efConstruction ${ctx.hnswEfConstruction})...` : hnswlib.reason}`,
  );
  const hnsw = !hnswlib.available
    ? undefined
    : await runHnswBaseline(hnswlib.module, source, data.queries, truth, {
        m: ctx.hnswM,
        efConstruction: ctx.hnswEfConstruction,
        efs: HNSW_EFS,
        targetRecall: 0.98,
        k: K,
        minSimilarity: MIN_SIMILARITY,
        warmup: 100,
      });

  const title = `Vector search: ${size.toLocaleString('en')} × ${dimension} random unit vectors, ${queryCount} queries, cosine ≥ ${MIN_SIMILARITY}, k = ${K}`;
  printTable(
    title,
    ['engine', 'recall', 'p50 µs', 'p99 µs', 'mean µs', 'load/build s', 'bytes/entry', 'settings'],
    [
      [
        'brute force (JS scan)',
        1,
        bruteLatency.p50Us,
        bruteLatency.p99Us,
        bruteLatency.meanUs,
        0,
        dimension * 4,
        '4-way unrolled dot',
      ],
      [
        'LshVectorStore',
        lsh.recall.recall,
        lsh.latency.p50Us,
        lsh.latency.p99Us,
        lsh.latency.meanUs,
        lsh.loadMs / 1000,
        lsh.bytesPerEntry,
        `planes ${store.settings.planes}, tables ${store.settings.tables}, probes ${store.settings.probes}, pool ${store.settings.poolBits}`,
      ],
      hnsw === undefined
        ? [
            'hnswlib-node (absent)',
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            'skipped: not installed',
          ]
        : [
            'hnswlib-node',
            hnsw.recall.recall,
            hnsw.latency.p50Us,
            hnsw.latency.p99Us,
            hnsw.latency.meanUs,
            hnsw.buildMs / 1000,
            hnsw.bytesPerEntry,
            `M ${ctx.hnswM}, efConstruction ${ctx.hnswEfConstruction}, ef ${hnsw.ef}`,
          ],
    ],
  );
  note(
    `data generated in ${(genMs / 1000).toFixed(1)} s; exact matches ${plantedCheck.expected} (planted ${plantedCheck.found} of them found, ${plantedCheck.extra} unplanted)`,
  );
  note(
    `LSH: ${(candidates / queryCount).toFixed(0)} candidates and ${(verified / queryCount).toFixed(0)} exact cosines per query on average; own accounting ${own.bytesPerEntry.toFixed(0)} B/entry (${own.indexBytesPerEntry.toFixed(0)} index + vectors, ${own.capacity} slots); heap-measured ${lsh.bytesPerEntry?.toFixed(0)} B/entry includes keys and maps`,
  );
  if (hnsw === undefined) {
    note(`LSH misses ${lsh.recall.expected - lsh.recall.found} of ${lsh.recall.expected}`);
    note(
      `goal lsh.p99 ≤ hnswlib.p99: not measured (hnswlib-node absent); lsh.p99 ≤ bruteForce.p99 / 10: ${lsh.latency.p99Us <= bruteLatency.p99Us / 10 ? 'holds' : 'FAILS'}; lsh.recall ≥ 0.98: ${lsh.recall.recall >= 0.98 ? 'holds' : 'FAILS'}`,
    );
    put(ctx.report, 'hnswlib', hnswReport(undefined, ctx));
    return;
  }
  note(
    `LSH misses ${lsh.recall.expected - lsh.recall.found} of ${lsh.recall.expected}; hnswlib misses ${hnsw.recall.expected - hnsw.recall.found}`,
  );
  note(
    `hnswlib ef sweep: ${hnsw.sweep.map((p) => `ef ${p.ef} → ${p.recall.toFixed(4)}`).join(', ')}${hnsw.reachedTarget ? '' : ' (target 0.98 NOT reached)'}`,
  );
  note(
    `goal lsh.p99 ≤ hnswlib.p99: ${lsh.latency.p99Us <= hnsw.latency.p99Us ? 'holds' : 'FAILS'}; lsh.p99 ≤ bruteForce.p99 / 10: ${lsh.latency.p99Us <= bruteLatency.p99Us / 10 ? 'holds' : 'FAILS'}; lsh.recall ≥ 0.98: ${lsh.recall.recall >= 0.98 ? 'holds' : 'FAILS'}`,
  );
  put(ctx.report, 'hnswlib', hnswReport(hnsw, ctx));
}
