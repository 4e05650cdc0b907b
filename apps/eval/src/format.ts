import type { CurvePoint } from './calibration.js';
import type { ProtocolMetrics } from './protocol-metrics.js';

/** Four decimals, for tables. */
export function f4(v: number): string {
  return v.toFixed(4);
}

/** The protocol figures as aligned lines. */
export function formatMetrics(m: ProtocolMetrics): string {
  const c = m.counts;
  return [
    `rows           ${m.rows} (${c.duplicates} duplicates, ${c.nonDuplicates} non-duplicates)`,
    `precision      ${f4(m.precision)}  (${c.correctHits} correct of ${c.hits} hits)`,
    `recall         ${f4(m.recall)}  (${c.correctHits} of ${c.duplicates} duplicates)`,
    `wrong-hit rate ${f4(m.wrongHitRate)}  (${c.hitsOnNonDuplicates} of ${c.nonDuplicates} non-duplicates hit)`,
    `hit rate       ${f4(m.hitRate)}`,
  ].join('\n');
}

/** A precision/recall curve thinned to about `rows` lines, one per recall step. */
export function formatCurve(curve: readonly CurvePoint[], rows = 25): string {
  const lines = ['threshold  precision  recall  wrong-hit  hit-rate'];
  const step = Math.max(1, Math.floor(curve.length / rows));
  curve.forEach((p, i) => {
    if (i % step !== 0 && i !== curve.length - 1) return;
    const m = p.metrics;
    lines.push(
      `${f4(p.threshold).padStart(9)}  ${f4(m.precision).padStart(9)}  ${f4(m.recall).padStart(6)}  ${f4(m.wrongHitRate).padStart(9)}  ${f4(m.hitRate).padStart(8)}`,
    );
  });
  return lines.join('\n');
}
