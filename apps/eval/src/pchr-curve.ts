import { decisionScore, type OperatingPoint } from '@cache/core';
import { type CandidateRow, replay } from './calibration.js';

/** One point of a precision / cache-hit-ratio curve. */
export interface PchrPoint {
  /** Score threshold: a candidate is served when its guard score is at least this. */
  threshold: number;
  /** Lookups served from the cache (exact or semantic) / lookups. */
  hitRatio: number;
  /** Correct hits / hits. */
  precision: number;
  /** Correct hits / duplicate rows. */
  recall: number;
  /** Lookups served from the cache. */
  hits: number;
  /** Hits that served the row's own answer on a duplicate row. */
  correctHits: number;
}

/** The P-CHR curve of one protocol run, its area and where an operating point sits on it. */
export interface PchrCurve {
  /**
   * One point per distinct threshold at which at least one lookup hits, strictest first: the
   * hit ratio grows along the curve and the last point is the cache with no guard.
   */
  points: PchrPoint[];
  /** Mean precision over hit ratios 0..`maxHitRatio` (see {@link pchrArea}); undefined without hits. */
  area: number | undefined;
  /** Hit ratio with no guard at the similarity floor (the last point's). */
  maxHitRatio: number;
  /** The operating point the curve was drawn for, as the protocol scores it. */
  operating: PchrPoint;
}

/**
 * The precision / cache-hit-ratio (P-CHR) curve: precision against the share of lookups served
 * from the cache as the guard's score threshold sweeps from strict to 0, at the similarity floor
 * and weights of `point`. A candidate's score is the logistic score of its features, or 0 when a
 * hard conflict rejects it, so the threshold-0 end serves every row's most similar candidate
 * above the floor: the cache with no guard. Exact hits are served at every threshold. A row is
 * served by its first candidate (most similar first) whose score reaches the threshold, as
 * {@link replay} does; the curve is computed in one sweep over the candidates' scores.
 */
export function pchrCurve(rows: readonly CandidateRow[], point: OperatingPoint): PchrCurve {
  const n = rows.length;
  let duplicates = 0;
  let hits = 0;
  let correctHits = 0;
  // When the threshold falls to `score`, row `row` is served by a candidate of that `own`ness.
  const events: { score: number; row: number; own: boolean }[] = [];
  rows.forEach((row, r) => {
    if (row.isDuplicate) duplicates++;
    if (row.exact) {
      hits++;
      if (row.isDuplicate && row.exactIsOwn) correctHits++;
      return;
    }
    // The served candidate is the most similar one whose score reaches the threshold: going
    // down the scores, it changes only when a candidate more similar than the served one passes.
    const passing = row.candidates
      .map((c, i) => ({
        i,
        own: c.isOwn,
        score: c.conflicts > 0 ? 0 : decisionScore(point.weights, c.features),
        eligible: c.features.similarity >= point.minSimilarity,
      }))
      .filter((c) => c.eligible)
      .sort((a, b) => b.score - a.score || a.i - b.i);
    let served = Number.POSITIVE_INFINITY;
    for (const c of passing) {
      if (c.i < served) {
        served = c.i;
        events.push({ score: c.score, row: r, own: c.own });
      }
    }
  });
  events.sort((a, b) => b.score - a.score);
  const servedOwn = new Map<number, boolean>();
  const points: PchrPoint[] = [];
  const snapshot = (threshold: number): PchrPoint => ({
    threshold,
    hitRatio: n === 0 ? 0 : hits / n,
    precision: hits === 0 ? 1 : correctHits / hits,
    recall: duplicates === 0 ? 0 : correctHits / duplicates,
    hits,
    correctHits,
  });
  for (let e = 0; e < events.length; ) {
    const threshold = (events[e] as { score: number }).score;
    for (; e < events.length && (events[e] as { score: number }).score === threshold; e++) {
      const { row, own } = events[e] as { row: number; own: boolean };
      const before = servedOwn.get(row);
      const correct = own && (rows[row] as CandidateRow).isDuplicate;
      if (before === undefined) hits++;
      else if (before && (rows[row] as CandidateRow).isDuplicate) correctHits--;
      if (correct) correctHits++;
      servedOwn.set(row, own);
    }
    points.push(snapshot(threshold));
  }
  if (points.length === 0 && hits > 0) points.push(snapshot(0));
  const at = replay(rows, point);
  const operating: PchrPoint = {
    threshold: point.threshold,
    hitRatio: at.hitRate,
    precision: at.precision,
    recall: at.recall,
    hits: at.counts.hits,
    correctHits: at.counts.correctHits,
  };
  return {
    points,
    area: pchrArea(points),
    maxHitRatio: points.at(-1)?.hitRatio ?? 0,
    operating,
  };
}

/** Where a point sits: hit ratio and precision. */
type CurveXY = Pick<PchrPoint, 'hitRatio' | 'precision'>;

/**
 * The area of a P-CHR curve normalized by its hit-ratio range: the integral of precision over
 * hit ratio from 0 to the last point's hit ratio H, divided by H, so 1 means every hit the
 * sweep reaches is correct. Between points precision is interpolated linearly (trapezoids); from
 * 0 to the first point it is carried flat at the first point's precision. Points must be in
 * increasing hit ratio. Undefined when no lookup hits (H = 0).
 */
export function pchrArea(points: readonly CurveXY[]): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || last.hitRatio <= 0) return undefined;
  let area = first.hitRatio * first.precision;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as CurveXY;
    const b = points[i] as CurveXY;
    area += ((b.hitRatio - a.hitRatio) * (a.precision + b.precision)) / 2;
  }
  return area / last.hitRatio;
}

/**
 * About `count` points of `curve` spread evenly in hit ratio, with its first and last points,
 * for printing and JSON (the area is computed on every point).
 */
export function thinCurve(points: readonly PchrPoint[], count = 50): PchrPoint[] {
  const last = points.at(-1);
  if (last === undefined) return [];
  const step = last.hitRatio / count;
  const out: PchrPoint[] = [];
  let next = Number.NEGATIVE_INFINITY;
  points.forEach((p, i) => {
    if (p.hitRatio >= next || i === points.length - 1) {
      out.push(p);
      next = p.hitRatio + step;
    }
  });
  return out;
}
