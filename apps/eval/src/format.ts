import type { CurvePoint } from './calibration.js';
import type { FileEvaluation } from './evaluate.js';
import { type PchrCurve, type PchrPoint, thinCurve } from './pchr-curve.js';

/** Four decimals, for tables. */
export function f4(v: number): string {
  return v.toFixed(4);
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

/** Three decimals, or `–` when undefined. */
export function f3(v: number | undefined): string {
  return v === undefined ? '–' : v.toFixed(3);
}

/** One Markdown table row per file and protocol (the cache's figures and the P-CHR area). */
export function formatEvaluationTable(results: readonly FileEvaluation[]): string {
  const lines = [
    '| file | protocol | rows | precision | recall | wrong-hit rate | hit rate | no-guard hit rate | P-CHR area |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const m = r.metrics;
    lines.push(
      `| \`${r.file}\` | ${r.protocol} | ${m.rows} | ${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.wrongHitRate)} | ${f3(m.hitRate)} | ${f3(r.pchr.maxHitRatio)} | ${f3(r.pchr.area)} |`,
    );
  }
  return lines.join('\n');
}

/** A P-CHR curve thinned to about `rows` lines, the operating point marked where it sits. */
export function formatPchr(curve: PchrCurve, rows = 20): string {
  const lines = ['threshold  hit-ratio  precision  recall'];
  const line = (p: PchrPoint, mark = '') =>
    `${f4(p.threshold).padStart(9)}  ${f4(p.hitRatio).padStart(9)}  ${f4(p.precision).padStart(9)}  ${f4(p.recall).padStart(6)}${mark}`;
  const op = curve.operating;
  let marked = false;
  for (const p of thinCurve(curve.points, rows)) {
    if (!marked && p.threshold < op.threshold) {
      lines.push(line(op, '  <- default operating point'));
      marked = true;
    }
    lines.push(line(p));
  }
  if (!marked) lines.push(line(op, '  <- default operating point'));
  lines.push(
    `area ${f4(curve.area ?? Number.NaN)} (mean precision over hit ratio 0..${f4(curve.maxHitRatio)})`,
  );
  return lines.join('\n');
}
