import type { DecisionWeights, OperatingPoint } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { type CandidateRow, replay } from '../src/calibration.js';
import { pchrArea, pchrCurve, thinCurve } from '../src/pchr-curve.js';
import { candidate, row, ZERO_WEIGHTS } from './candidate-fixtures.js';

/** Score = sigmoid(20 × (similarity − 0.8) − 0.5 × extraMax): similarity and extra words. */
const weights: DecisionWeights = { ...ZERO_WEIGHTS, bias: -16, similarity: 20, extraMax: -0.5 };

function pointAt(threshold: number, minSimilarity = 0.5): OperatingPoint {
  return { embedderId: 'test', provenance: 'test', weights, minSimilarity, threshold };
}

/** A deterministic pseudo-random generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRows(seed: number, count: number): CandidateRow[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => {
    const isDuplicate = rand() < 0.5;
    if (rand() < 0.1) {
      return { isDuplicate, exact: true, exactIsOwn: rand() < 0.8, candidates: [] };
    }
    const n = Math.floor(rand() * 4);
    const sims = Array.from({ length: n }, () => 0.5 + rand() * 0.5).sort((a, b) => b - a);
    const ownAt = Math.floor(rand() * (n + 1));
    return row(
      isDuplicate,
      ...sims.map((s, i) =>
        candidate(s, i === ownAt, rand() < 0.15 ? 1 : 0, Math.floor(rand() * 4)),
      ),
    );
  });
}

describe('pchrCurve', () => {
  it('matches a hand-checked curve and area', () => {
    // 10 lookups: 2 correct at similarity 0.99, then 1 correct and 1 wrong at 0.95, then 1
    // wrong at 0.9; 5 duplicate rows with no candidate. Points (hit ratio, precision):
    // (0.2, 1), (0.4, 0.75), (0.5, 0.6). Area = 0.2·1 + 0.2·(1 + 0.75)/2 + 0.1·(0.75 + 0.6)/2
    // = 0.4425 over the range 0.5: 0.885.
    const rows = [
      row(true, candidate(0.99, true)),
      row(true, candidate(0.99, true)),
      row(true, candidate(0.95, true)),
      row(false, candidate(0.95, true)),
      row(false, candidate(0.9, true)),
      ...Array.from({ length: 5 }, () => row(true)),
    ];
    const curve = pchrCurve(rows, pointAt(0.5));
    expect(curve.points.map((p) => [p.hitRatio, p.precision])).toEqual([
      [0.2, 1],
      [0.4, 0.75],
      [0.5, 0.6],
    ]);
    expect(curve.area).toBeCloseTo(0.885, 12);
    expect(curve.maxHitRatio).toBe(0.5);
    // The operating point at threshold 0.5 lets similarity ≥ 0.8 through: the last point.
    expect(curve.operating).toMatchObject({ hitRatio: 0.5, precision: 0.6, hits: 5 });
    expect(pchrArea([{ hitRatio: 0.5, precision: 0.8 }])).toBeCloseTo(0.8, 12);
    expect(pchrArea([])).toBeUndefined();
  });

  it('follows the served candidate when a more similar one passes at a lower threshold', () => {
    // The other question is more similar but has extra words (lower score): strict thresholds
    // serve the own question, lax ones the other.
    const rows = [row(true, candidate(0.95, false, 0, 4), candidate(0.9, true))];
    const curve = pchrCurve(rows, pointAt(0.5));
    expect(curve.points.map((p) => [p.hits, p.correctHits])).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });

  it('is monotone in hit ratio, agrees with replay at every threshold and ends at no guard', () => {
    for (const seed of [1, 2, 3]) {
      const rows = randomRows(seed, 400);
      const point = pointAt(0.6, 0.7);
      const curve = pchrCurve(rows, point);
      expect(curve.points.length).toBeGreaterThan(50);
      for (let i = 1; i < curve.points.length; i++) {
        const [a, b] = [curve.points[i - 1], curve.points[i]] as const;
        expect(b?.threshold).toBeLessThan(a?.threshold as number);
        expect(b?.hitRatio).toBeGreaterThanOrEqual(a?.hitRatio as number);
      }
      for (const p of curve.points) {
        if (p.threshold <= 0) continue;
        const m = replay(rows, { ...point, threshold: p.threshold });
        expect([m.counts.hits, m.counts.correctHits]).toEqual([p.hits, p.correctHits]);
      }
      // No guard: every exact row, and every row whose most similar candidate passes the floor,
      // served by that candidate.
      let hits = 0;
      let correct = 0;
      for (const r of rows) {
        const top = r.candidates[0];
        if (r.exact) {
          hits++;
          if (r.isDuplicate && r.exactIsOwn) correct++;
        } else if (top !== undefined && top.features.similarity >= point.minSimilarity) {
          hits++;
          if (r.isDuplicate && top.isOwn) correct++;
        }
      }
      const end = curve.points.at(-1);
      expect([end?.hits, end?.correctHits]).toEqual([hits, correct]);
      expect(curve.maxHitRatio).toBe(hits / rows.length);
      // The operating point sits on the curve: the point of the lowest threshold above it.
      const on = [...curve.points].reverse().find((p) => p.threshold >= point.threshold);
      expect([curve.operating.hits, curve.operating.correctHits]).toEqual([
        on?.hits,
        on?.correctHits,
      ]);
      const thin = thinCurve(curve.points, 10);
      expect(thin.length).toBeLessThanOrEqual(12);
      expect(thin[0]).toEqual(curve.points[0]);
      expect(thin.at(-1)).toEqual(end);
    }
  });

  it('has no area when nothing hits', () => {
    const curve = pchrCurve([row(true), row(false, candidate(0.6, true))], pointAt(0.5, 0.7));
    expect(curve.points).toEqual([]);
    expect(curve.area).toBeUndefined();
    expect(curve.maxHitRatio).toBe(0);
  });
});
