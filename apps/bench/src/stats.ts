/** Location figures of a latency sample, in microseconds. */
export interface LatencySummary {
  /** Number of samples. */
  n: number;
  /** Median. */
  p50Us: number;
  /** 99th percentile. */
  p99Us: number;
  /** Mean. */
  meanUs: number;
  /** Largest sample. */
  maxUs: number;
}

/** The `q`-quantile (0..1) of `values`, interpolated linearly between order statistics. */
export function quantile(values: readonly number[] | Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (at - lo);
}

/** p50 / p99 / mean / max of samples given in microseconds. */
export function summarize(samplesUs: readonly number[] | Float64Array): LatencySummary {
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of samplesUs) {
    sum += x;
    if (x > max) max = x;
  }
  return {
    n: samplesUs.length,
    p50Us: quantile(samplesUs, 0.5),
    p99Us: quantile(samplesUs, 0.99),
    meanUs: samplesUs.length === 0 ? Number.NaN : sum / samplesUs.length,
    maxUs: samplesUs.length === 0 ? Number.NaN : max,
  };
}

/** Outcome of comparing an approximate search to the exact one. */
export interface RecallFigures {
  /** Share of the exact matches the approximate search returned (1 when there were none). */
  recall: number;
  /** Exact matches over all queries. */
  expected: number;
  /** Of those, returned by the approximate search. */
  found: number;
  /** Results the approximate search returned that the exact one did not (wrong or below threshold). */
  extra: number;
}

/**
 * Recall of `approx` against `exact`: both hold, per query, the identifiers returned. Matches are
 * compared as sets, so ties in order do not matter.
 */
export function recallOf(
  exact: readonly (readonly (string | number)[])[],
  approx: readonly (readonly (string | number)[])[],
): RecallFigures {
  let expected = 0;
  let found = 0;
  let extra = 0;
  for (let q = 0; q < exact.length; q++) {
    const truth = new Set(exact[q]);
    const got = new Set(approx[q] ?? []);
    expected += truth.size;
    for (const id of got) {
      if (truth.has(id)) found++;
      else extra++;
    }
  }
  return { recall: expected === 0 ? 1 : found / expected, expected, found, extra };
}

/** Rounds for display and JSON: 3 significant digits for small numbers, integers for large. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x);
  if (abs >= 10) return Math.round(x * 10) / 10;
  if (abs >= 1) return Math.round(x * 100) / 100;
  return Number(x.toPrecision(3));
}
