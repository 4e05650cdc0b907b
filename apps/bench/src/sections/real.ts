import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import { BruteForceIndex } from '../brute-force.js';
import { type BenchContext, benchScope, put, sized } from '../context.js';
import { embedAll } from '../embed-all.js';
import { loadEvalData, unique } from '../eval-data.js';
import { sampleLatencies } from '../measure.js';
import { Prng } from '../prng.js';
import { summarize } from '../stats.js';
import { note, printTable } from '../table.js';
import { runVectorStore } from '../vector-run.js';

const THRESHOLDS = [0.85, 0.75];
const K = 10;

/**
 * Section `real`: LshVectorStore on real sentence embeddings (LocalEmbedder, USE-lite 512-d)
 * of every distinct question and sentence of the evaluation data. Unrelated real embeddings sit
 * around cosine 0.36, not 0 as random vectors do, so buckets are fuller: this shows what the
 * random-vector figures hide. Queries are drawn (seeded) from the texts; the rest are stored.
 */
export async function realSection(ctx: BenchContext): Promise<void> {
  const evalData = loadEvalData(ctx.evalDir);
  const texts = unique([
    ...evalData.paraphrasePairs.flatMap((p) => [p.origin, p.similar]),
    ...evalData.questionPairs.flatMap((p) => [p.question1, p.question2]),
  ]);
  const rng = new Prng(ctx.seed ^ 0x5ea1);
  for (let i = texts.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
  }
  const total = sized(ctx, texts.length, 2_000, 300);
  const queryCount = sized(ctx, 1_000, 200, 30);
  const chosen = texts.slice(0, total);

  const embedder = new LocalEmbedder();
  const embedStart = performance.now();
  const vectors = await embedAll(embedder, chosen, ctx.cacheDir);
  const embedMs = performance.now() - embedStart;
  await embedder.close();

  const queries = vectors.slice(0, queryCount);
  const stored = vectors.slice(queryCount);
  const dimension = embedder.dimension;
  const matrix = new Float32Array(stored.length * dimension);
  stored.forEach((v, i) => matrix.set(v, i * dimension));
  const brute = new BruteForceIndex(matrix, dimension);
  const source = { size: stored.length, row: (i: number) => stored[i] as Float32Array };

  let unrelatedSum = 0;
  let unrelatedCount = 0;
  for (let q = 0; q < Math.min(50, queryCount); q++) {
    for (const m of brute.search(queries[q] as Float32Array, stored.length, -1)) {
      unrelatedSum += m.similarity;
      unrelatedCount++;
    }
  }

  const rows = [];
  for (const threshold of THRESHOLDS) {
    const truth: number[][] = [];
    const bruteSamples = await sampleLatencies(
      'brute force',
      (i) => {
        const found = brute.search(queries[i % queryCount] as Float32Array, K, threshold);
        if (i < queryCount) truth[i] = found.map((m) => m.row);
      },
      { iterations: queryCount, warmup: 20, async: false },
    );
    const bruteLatency = summarize(bruteSamples);
    const store = new LshVectorStore({ dimension });
    const scope = benchScope('r');
    const lsh = await runVectorStore(store, source, queries, truth, {
      scope,
      k: K,
      minSimilarity: threshold,
      batch: 1_000,
      warmup: 100,
      measureMemory: false,
    });
    let candidates = 0;
    let verified = 0;
    for (const query of queries) {
      await store.search(query, { scope, k: K, minSimilarity: threshold });
      candidates += store.lastSearch.candidates;
      verified += store.lastSearch.verified;
    }
    await store.close();
    const matchesPerQuery = truth.reduce((n, t) => n + t.length, 0) / queryCount;
    rows.push({
      threshold,
      recall: lsh.recall.recall,
      expected: lsh.recall.expected,
      matchesPerQuery,
      p50Us: lsh.latency.p50Us,
      p99Us: lsh.latency.p99Us,
      bruteP50Us: bruteLatency.p50Us,
      bruteP99Us: bruteLatency.p99Us,
      candidatesPerQuery: candidates / queryCount,
      verifiedPerQuery: verified / queryCount,
    });
  }

  printTable(
    `LSH on real embeddings: ${stored.length.toLocaleString('en')} stored × ${dimension} (LocalEmbedder, evaluation texts), ${queryCount} queries, k = ${K}`,
    [
      'min cosine',
      'exact matches',
      'LSH recall',
      'LSH p50 µs',
      'LSH p99 µs',
      'candidates/q',
      'cosines/q',
      'brute p50 µs',
      'brute p99 µs',
    ],
    rows.map((r) => [
      r.threshold,
      r.expected,
      r.recall,
      r.p50Us,
      r.p99Us,
      r.candidatesPerQuery,
      r.verifiedPerQuery,
      r.bruteP50Us,
      r.bruteP99Us,
    ]),
  );
  note(
    `mean cosine between a query and all stored texts (50 queries): ${(unrelatedSum / unrelatedCount).toFixed(3)}; embedding ${chosen.length} texts took ${(embedMs / 1000).toFixed(1)} s${ctx.cacheDir ? ' (or was read back from the cache folder)' : ''}`,
  );
  put(ctx.report, 'lshReal', {
    stored: stored.length,
    queries: queryCount,
    meanCosine: unrelatedSum / unrelatedCount,
    byThreshold: rows,
  });
}
