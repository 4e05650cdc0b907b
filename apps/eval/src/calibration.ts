import {
  type CalibratedGuard,
  cosineSimilarity,
  type DecisionWeights,
  decisionScore,
  FEATURE_NAMES,
  type GuardFeatures,
  type OperatingPoint,
} from '@cache/core';
import { type Example, fitLogistic } from './logistic.js';
import type { LabeledPair } from './pairs-csv.js';
import type { Protocol } from './protocol.js';
import { type ProtocolMetrics, type RowOutcome, scoreOutcomes } from './protocol-metrics.js';

/** A stored question the vector search returns for a row's question2. */
export interface Candidate {
  /** True when the candidate is the row's own question1. */
  isOwn: boolean;
  /** Number of hard conflicts the guard found (any one rejects). */
  conflicts: number;
  /** The soft signals (including the similarity). */
  features: GuardFeatures;
}

/** One row of the protocol with the candidates its lookup meets, best similarity first. */
export interface CandidateRow {
  /** The row's label. */
  isDuplicate: boolean;
  /** True when question2 equals a stored question1 (an exact hit, whatever the guard says). */
  exact: boolean;
  /** With `exact`: whether that stored question is the row's own question1. */
  exactIsOwn: boolean;
  /** Top candidates at or above the lowest floor tried. */
  candidates: Candidate[];
}

/** One point of a precision/recall curve. */
export interface CurvePoint {
  /** Score threshold. */
  threshold: number;
  /** The protocol's figures at this threshold. */
  metrics: ProtocolMetrics;
}

/** A chosen operating point and how it scored. */
export interface Calibration {
  /** The operating point (paste into OPERATING_POINTS). */
  point: OperatingPoint;
  /** Its figures on the calibration rows. */
  at: CurvePoint;
  /** The curve at the chosen similarity floor. */
  curve: CurvePoint[];
  /** True when some point reached the target precision; otherwise the most precise one. */
  reachedTarget: boolean;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Embedder id the point is for. */
  embedderId: string;
  /** Precision to reach (default 0.95). */
  targetPrecision?: number;
  /** Similarity floors to try (default 0.50 to 0.90 by 0.025). */
  floors?: readonly number[];
  /** Use these weights instead of fitting new ones. */
  weights?: DecisionWeights;
  /** Provenance text stored in the point. */
  provenance?: string;
}

/** Options of {@link buildCandidateRows}. */
export interface CandidateRowOptions {
  /** How the pairs are put to the cache (default `store-all`). */
  protocol?: Protocol;
  /** Candidates kept per row (default 5, the cache's default `k`). */
  k?: number;
  /** Candidates below this similarity are dropped (default 0.5, the lowest floor tried). */
  minFloor?: number;
}

/**
 * Replays a protocol's search for every row, each candidate with the guard's conflicts and
 * features. `store-all`: every question1 is stored (one scope) and each question2 meets the `k`
 * most similar stored questions at or above `minFloor`. `pairwise`: each question2 meets its own
 * question1 only. Training on these, rather than on the rows' own pairs, shows the decision the
 * near neighbours a real store returns. `vectors` holds every question's embedding.
 */
export function buildCandidateRows(
  pairs: readonly LabeledPair[],
  vectors: ReadonlyMap<string, Float32Array>,
  guard: CalibratedGuard,
  options: CandidateRowOptions = {},
): CandidateRow[] {
  const k = options.k ?? 5;
  const minFloor = options.minFloor ?? 0.5;
  const vectorOf = (text: string): Float32Array => {
    const v = vectors.get(text);
    if (v === undefined) throw new RangeError(`buildCandidateRows: no vector for "${text}".`);
    return v;
  };
  const candidate = (p: LabeledPair, prompt: string, similarity: number): Candidate => {
    const e = guard.explain(p.question2, { prompt, similarity });
    return { isOwn: prompt === p.question1, conflicts: e.conflicts.length, features: e.features };
  };
  if (options.protocol === 'pairwise') {
    return pairs.map((p) => {
      const exact = p.question2 === p.question1;
      const similarity = exact ? 1 : cosineSimilarity(vectorOf(p.question2), vectorOf(p.question1));
      return {
        isDuplicate: p.isDuplicate,
        exact,
        exactIsOwn: exact,
        candidates: !exact && similarity >= minFloor ? [candidate(p, p.question1, similarity)] : [],
      };
    });
  }
  const stored = [...new Set(pairs.map((p) => p.question1))];
  const storedSet = new Set(stored);
  const index = new UnitVectors(stored.map(vectorOf));
  return pairs.map((p) => {
    if (storedSet.has(p.question2)) {
      return {
        isDuplicate: p.isDuplicate,
        exact: true,
        exactIsOwn: p.question2 === p.question1,
        candidates: [],
      };
    }
    const candidates = index
      .nearest(vectorOf(p.question2), k, minFloor)
      .map((m) => candidate(p, stored[m.i] as string, m.similarity));
    return { isDuplicate: p.isDuplicate, exact: false, exactIsOwn: false, candidates };
  });
}

/** Exact nearest-neighbour search by cosine over vectors packed in one array. */
class UnitVectors {
  readonly #data: Float32Array;
  readonly #dimension: number;
  readonly #count: number;

  constructor(vectors: readonly Float32Array[]) {
    this.#count = vectors.length;
    this.#dimension = vectors[0]?.length ?? 0;
    this.#data = new Float32Array(this.#count * this.#dimension);
    vectors.forEach((v, i) => {
      this.#data.set(unit(v), i * this.#dimension);
    });
  }

  /** The `k` most similar vectors at or above `floor`, best first (ties: lower index first). */
  nearest(query: Float32Array, k: number, floor: number): { i: number; similarity: number }[] {
    const q = unit(query);
    const d = this.#dimension;
    const data = this.#data;
    const top: { i: number; similarity: number }[] = [];
    for (let i = 0; i < this.#count; i++) {
      let dot = 0;
      const offset = i * d;
      for (let j = 0; j < d; j++) dot += (q[j] as number) * (data[offset + j] as number);
      const similarity = Math.max(-1, Math.min(1, dot));
      if (similarity < floor) continue;
      if (top.length === k && similarity <= (top[k - 1] as { similarity: number }).similarity) {
        continue;
      }
      let at = top.length;
      while (at > 0 && (top[at - 1] as { similarity: number }).similarity < similarity) at--;
      top.splice(at, 0, { i, similarity });
      if (top.length > k) top.pop();
    }
    return top;
  }
}

function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (let j = 0; j < v.length; j++) norm += (v[j] as number) ** 2;
  if (norm === 0) return new Float32Array(v.length);
  const s = 1 / Math.sqrt(norm);
  return v.map((x) => x * s);
}

/** Fits the logistic weights on candidates no hard conflict rejects, at or above `floor`. */
export function fitWeights(rows: readonly CandidateRow[], floor: number): DecisionWeights {
  const examples: Example[] = [];
  for (const row of rows) {
    for (const c of row.candidates) {
      if (c.conflicts > 0 || c.features.similarity < floor) continue;
      examples.push({
        x: FEATURE_NAMES.map((n) => c.features[n]),
        y: row.isDuplicate && c.isOwn ? 1 : 0,
      });
    }
  }
  if (examples.length === 0) throw new RangeError('fitWeights: no candidate passes the floor.');
  const model = fitLogistic(examples);
  const weights = { bias: round(model.bias) } as DecisionWeights;
  FEATURE_NAMES.forEach((n, j) => {
    weights[n] = round(model.weights[j] as number);
  });
  return weights;
}

/** The protocol's outcome on every row under one operating point. */
export function replay(rows: readonly CandidateRow[], point: OperatingPoint): ProtocolMetrics {
  const outcomes: RowOutcome[] = rows.map((row) => {
    if (row.exact) {
      return { isDuplicate: row.isDuplicate, hit: true, fromOwnQuestion: row.exactIsOwn };
    }
    const served = row.candidates.find(
      (c) =>
        c.conflicts === 0 &&
        c.features.similarity >= point.minSimilarity &&
        decisionScore(point.weights, c.features) >= point.threshold,
    );
    return {
      isDuplicate: row.isDuplicate,
      hit: served !== undefined,
      fromOwnQuestion: served?.isOwn ?? false,
    };
  });
  return scoreOutcomes(outcomes);
}

/** The protocol's precision/recall at `steps` score thresholds from strict to lax. */
export function precisionRecallCurve(
  rows: readonly CandidateRow[],
  weights: DecisionWeights,
  floor: number,
  base: Omit<OperatingPoint, 'weights' | 'minSimilarity' | 'threshold'>,
  steps = 100,
): CurvePoint[] {
  const scores: number[] = [];
  for (const row of rows) {
    for (const c of row.candidates) {
      if (c.conflicts === 0 && c.features.similarity >= floor) {
        scores.push(decisionScore(weights, c.features));
      }
    }
  }
  scores.sort((a, b) => b - a);
  const thresholds = new Set<number>();
  for (let s = 1; s <= steps; s++) {
    const q = scores[Math.min(scores.length - 1, Math.floor((s / steps) * scores.length))];
    // Round down so the candidate whose score set the threshold still passes it.
    const t = q === undefined ? 0 : Math.floor(q * 10_000) / 10_000;
    if (t > 0 && t < 1) thresholds.add(t);
  }
  return [...thresholds]
    .sort((a, b) => b - a)
    .map((threshold) => ({
      threshold,
      metrics: replay(rows, { ...base, weights, minSimilarity: floor, threshold }),
    }));
}

/**
 * Picks the operating point with the highest protocol recall whose precision reaches the
 * target, trying each similarity floor (weights fitted per floor unless given); when none
 * reaches it, the most precise point with recall ≥ 0.1.
 */
export function calibrate(rows: readonly CandidateRow[], options: CalibrateOptions): Calibration {
  const target = options.targetPrecision ?? 0.95;
  const floors = options.floors ?? range(0.5, 0.9, 0.025);
  const base = { embedderId: options.embedderId, provenance: options.provenance ?? '' };
  let best: Calibration | undefined;
  let fallback: Calibration | undefined;
  for (const floor of floors) {
    const weights = options.weights ?? fitWeights(rows, floor);
    const curve = precisionRecallCurve(rows, weights, floor, base);
    for (const at of curve) {
      const point: OperatingPoint = {
        ...base,
        minSimilarity: round(floor),
        weights,
        threshold: at.threshold,
      };
      const m = at.metrics;
      if (m.precision >= target && m.counts.correctHits > 0) {
        if (best === undefined || m.recall > best.at.metrics.recall) {
          best = { point, at, curve, reachedTarget: true };
        }
      } else if (
        m.recall >= 0.1 &&
        (fallback === undefined || m.precision > fallback.at.metrics.precision)
      ) {
        fallback = { point, at, curve, reachedTarget: false };
      }
    }
  }
  const chosen = best ?? fallback;
  if (chosen === undefined) throw new RangeError('calibrate: no candidate passes any floor.');
  return chosen;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
