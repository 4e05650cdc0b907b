import type { CompareRun } from './run.js';
import type { ConfigScore } from './score.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`);

/** One configuration's figures as a small text table. */
export function formatScore(s: ConfigScore, labeled: boolean): string {
  const rows: [string, string][] = [
    [
      'answers',
      `exact ${s.bySource.exact} · semantic ${s.bySource.semantic} · model ${s.bySource.model} · bypass ${s.bySource.bypass} · hit rate ${pct(s.hitRate)}`,
    ],
    labeled
      ? [
          'quality',
          `wrong hits ${s.wrongHits} · wrong-hit rate ${pct(s.wrongHitRate)} · precision ${pct(s.precision)} · recall ${pct(s.recall)}`,
        ]
      : ['quality', 'unlabeled workload: right and wrong hits cannot be told apart'],
    [
      'saved',
      `model calls ${s.callsSaved} of ${s.requests} (${s.modelCalls} made) · cost $${s.costSaved.toFixed(5)} · time ${(s.timeSavedMs / 1000).toFixed(1)} s`,
    ],
    [
      'latency',
      `p50 ${ms(s.latency.p50)} (no cache ${ms(s.latency.uncachedP50)}) · p99 ${ms(s.latency.p99)} (no cache ${ms(s.latency.uncachedP99)})`,
    ],
  ];
  const title = `── ${s.name} ─ ${s.description}`;
  return [title, ...rows.map(([k, v]) => `   ${k.padEnd(8)} ${v}`)].join('\n');
}

/** A one-line-per-configuration summary table. */
export function formatSummary(run: CompareRun): string {
  const header = [
    'configuration',
    'hit rate',
    'exact',
    'semantic',
    'wrong',
    'wrong rate',
    'precision',
    'recall',
    'p50',
    'p99',
  ];
  const lines = run.scores.map((s) => [
    s.name,
    pct(s.hitRate),
    String(s.bySource.exact),
    String(s.bySource.semantic),
    String(s.wrongHits),
    pct(s.wrongHitRate),
    pct(s.precision),
    pct(s.recall),
    ms(s.latency.p50),
    ms(s.latency.p99),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}
