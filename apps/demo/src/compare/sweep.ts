import { cosineSimilarity, type Embedder, type HitGuard } from '@cache/core';
import type { LabeledPair } from '../workload/types.js';

/** Precision and recall of one threshold, with and without the guard. */
export interface SweepPoint {
  /** Cosine similarity threshold. */
  threshold: number;
  /** Threshold alone. */
  plain: { precision: number; recall: number; wrongHitRate: number };
  /** Threshold, then the guard over the top candidates. */
  guarded: { precision: number; recall: number; wrongHitRate: number };
}

/** Options of {@link thresholdSweep}. */
export interface SweepOptions {
  /** Lowest threshold (default 0.5). */
  from?: number;
  /** Highest threshold (default 0.99). */
  to?: number;
  /** Step (default 0.01). */
  step?: number;
  /** Candidates the guard sees per lookup, best first (default 5, as the cache). */
  k?: number;
}

/**
 * Scores the pairs protocol (store every first question, look up every second) at each
 * threshold by exact brute-force cosine search, once with the threshold alone and once with the
 * guard judging the top `k` candidates, as the cache does. Embeds every question once.
 */
export async function thresholdSweep(
  pairs: readonly LabeledPair[],
  embedder: Embedder,
  guard: HitGuard | undefined,
  options: SweepOptions = {},
): Promise<SweepPoint[]> {
  const firsts = [...new Set(pairs.map((p) => p.first))];
  const index = new Map(firsts.map((text, i) => [text, i]));
  const firstVectors = await embedder.embed(firsts);
  const secondVectors = await embedder.embed(pairs.map((p) => p.second));
  const k = options.k ?? 5;
  const ranked = pairs.map((pair, i) => {
    const query = secondVectors[i] as Float32Array;
    const candidates = firstVectors
      .map((vector, j) => ({ j, similarity: cosineSimilarity(query, vector) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k);
    return { pair, target: index.get(pair.first) as number, candidates };
  });
  const points: SweepPoint[] = [];
  const from = options.from ?? 0.5;
  const to = options.to ?? 0.99;
  const step = options.step ?? 0.01;
  for (let t = from; t <= to + 1e-9; t += step) {
    const threshold = Math.round(t * 1000) / 1000;
    const tally = (useGuard: boolean) => {
      let hits = 0;
      let right = 0;
      let distinctHits = 0;
      let duplicates = 0;
      let distinct = 0;
      for (const { pair, target, candidates } of ranked) {
        if (pair.duplicate) duplicates += 1;
        else distinct += 1;
        const served = candidates.find(
          (c) =>
            c.similarity >= threshold &&
            (!useGuard ||
              !guard ||
              guard.judge(pair.second, { prompt: firsts[c.j] as string, similarity: c.similarity })
                .accept),
        );
        if (!served) continue;
        hits += 1;
        if (!pair.duplicate) distinctHits += 1;
        else if (served.j === target) right += 1;
      }
      return {
        precision: hits === 0 ? 1 : right / hits,
        recall: duplicates === 0 ? 0 : right / duplicates,
        wrongHitRate: distinct === 0 ? 0 : distinctHits / distinct,
      };
    };
    points.push({ threshold, plain: tally(false), guarded: guard ? tally(true) : tally(false) });
  }
  return points;
}
