import { describe, expect, it } from 'vitest';
import {
  type CandidateRow,
  calibrate,
  fitWeights,
  precisionRecallCurve,
  replay,
} from '../src/calibration.js';
import { fitLogistic } from '../src/logistic.js';
import { scoreOutcomes } from '../src/protocol-metrics.js';
import { BY_SIMILARITY, candidate, row } from './candidate-fixtures.js';

const base = { embedderId: 'test', provenance: 'test' };

describe('scoreOutcomes', () => {
  it('computes precision, recall, wrong-hit rate and hit rate as the protocol defines them', () => {
    const m = scoreOutcomes([
      { isDuplicate: true, hit: true, fromOwnQuestion: true },
      { isDuplicate: true, hit: true, fromOwnQuestion: false },
      { isDuplicate: true, hit: false, fromOwnQuestion: false },
      { isDuplicate: false, hit: true, fromOwnQuestion: true },
      { isDuplicate: false, hit: false, fromOwnQuestion: false },
    ]);
    expect(m.precision).toBeCloseTo(1 / 3, 10);
    expect(m.recall).toBeCloseTo(1 / 3, 10);
    expect(m.wrongHitRate).toBeCloseTo(1 / 2, 10);
    expect(m.hitRate).toBeCloseTo(3 / 5, 10);
    expect(m.rows).toBe(5);
  });
});

describe('replay', () => {
  const point = { ...base, weights: BY_SIMILARITY, minSimilarity: 0.7, threshold: 0.5 };

  it('serves the first candidate that passes, in similarity order', () => {
    // The best candidate is another question: a wrong hit even though the own one would pass.
    const m = replay([row(true, candidate(0.95, false), candidate(0.9, true))], point);
    expect(m.counts.hits).toBe(1);
    expect(m.counts.correctHits).toBe(0);
  });

  it('skips candidates with conflicts, below the floor or below the threshold', () => {
    const rows = [
      row(true, candidate(0.95, false, 1), candidate(0.9, true)),
      row(true, candidate(0.65, true)),
      row(true, candidate(0.75, true)),
    ];
    const m = replay(rows, point);
    expect(m.counts.hits).toBe(1);
    expect(m.counts.correctHits).toBe(1);
  });

  it('counts exact hits whatever the guard says', () => {
    const rows: CandidateRow[] = [
      { isDuplicate: true, exact: true, exactIsOwn: true, candidates: [] },
      { isDuplicate: false, exact: true, exactIsOwn: false, candidates: [] },
    ];
    const m = replay(rows, point);
    expect(m.counts.hits).toBe(2);
    expect(m.counts.correctHits).toBe(1);
    expect(m.wrongHitRate).toBe(1);
  });
});

describe('fitLogistic', () => {
  it('learns the sign of a separating feature and is deterministic', () => {
    const examples = Array.from({ length: 200 }, (_, i) => {
      const x = i / 200;
      return { x: [x, (i * 7) % 3], y: (x > 0.5 ? 1 : 0) as 0 | 1 };
    });
    const model = fitLogistic(examples);
    expect(model.weights[0]).toBeGreaterThan(5);
    expect(Math.abs(model.weights[1] as number)).toBeLessThan(1);
    // The boundary sits near 0.5 in the raw feature's units.
    expect(-model.bias / (model.weights[0] as number)).toBeCloseTo(0.5, 1);
    expect(fitLogistic(examples)).toEqual(model);
  });

  it('reaches the optimum: with the unpenalized bias, predicted and observed positives agree', () => {
    // Overlapping classes: the optimum is finite and its bias gradient is zero.
    const examples = Array.from({ length: 500 }, (_, i) => {
      const x = ((i * 37) % 101) / 100;
      const noise = ((i * 53) % 97) / 97;
      return { x: [x, noise * 3], y: (x + 0.4 * noise > 0.7 ? 1 : 0) as 0 | 1 };
    });
    const model = fitLogistic(examples);
    let predicted = 0;
    for (const e of examples) {
      const s = model.bias + model.weights.reduce((t, w, j) => t + w * (e.x[j] as number), 0);
      predicted += 1 / (1 + Math.exp(-s));
    }
    const observed = examples.filter((e) => e.y === 1).length;
    expect(predicted).toBeCloseTo(observed, 6);
  });

  it('stays finite when every label is the same', () => {
    const model = fitLogistic([
      { x: [1], y: 1 },
      { x: [2], y: 1 },
    ]);
    expect(Number.isFinite(model.bias)).toBe(true);
    expect(model.bias + 1.5 * (model.weights[0] as number)).toBeGreaterThan(3);
  });

  it('rejects an empty training set', () => {
    expect(() => fitLogistic([])).toThrow(RangeError);
  });
});

describe('calibration', () => {
  // Duplicates sit at similarity 0.80–0.99, non-duplicates at 0.70–0.89 with an extra word.
  const rows: CandidateRow[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push(row(true, candidate(0.8 + (i % 20) / 100, true)));
    rows.push(row(false, candidate(0.7 + (i % 20) / 100, true, 0, 2)));
  }

  it('fits weights that penalize unshared words and reward similarity', () => {
    const w = fitWeights(rows, 0.6);
    expect(w.similarity).toBeGreaterThan(0);
    expect(w.extraMax).toBeLessThan(0);
  });

  it('draws a curve whose recall grows as the threshold falls', () => {
    const curve = precisionRecallCurve(rows, BY_SIMILARITY, 0.6, base);
    expect(curve.length).toBeGreaterThan(3);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]?.threshold).toBeLessThan(curve[i - 1]?.threshold as number);
      expect(curve[i]?.metrics.recall).toBeGreaterThanOrEqual(
        curve[i - 1]?.metrics.recall as number,
      );
    }
  });

  it('picks the highest recall that reaches the target precision', () => {
    const result = calibrate(rows, {
      embedderId: 'test',
      targetPrecision: 0.95,
      weights: BY_SIMILARITY,
      floors: [0.6],
    });
    expect(result.reachedTarget).toBe(true);
    expect(result.at.metrics.precision).toBeGreaterThanOrEqual(0.95);
    for (const p of result.curve) {
      if (p.metrics.precision >= 0.95) {
        expect(p.metrics.recall).toBeLessThanOrEqual(result.at.metrics.recall);
      }
    }
    // Only similarity ≥ 0.9 is free of non-duplicates: recall is that half of the duplicates.
    expect(result.at.metrics.recall).toBeCloseTo(0.5, 1);
    expect(replay(rows, result.point)).toEqual(result.at.metrics);
  });

  it('reports the most precise point when the target cannot be reached', () => {
    const noisy = [row(true, candidate(0.9, true)), row(false, candidate(0.9, true))];
    const result = calibrate(noisy, {
      embedderId: 'test',
      targetPrecision: 0.99,
      weights: BY_SIMILARITY,
      floors: [0.6],
    });
    expect(result.reachedTarget).toBe(false);
    expect(result.at.metrics.precision).toBeCloseTo(0.5, 10);
  });
});
