import type { SkippedConfig } from '../compare/run.js';
import type { ConfigScore } from '../compare/score.js';
import type { SweepPoint } from '../compare/sweep.js';

/** Everything the HTML report shows. */
export interface ReportData {
  /** Report title. */
  title: string;
  /** When the run happened (ISO). */
  generatedAt: string;
  /** Workload name, size and provenance. */
  workload: { name: string; source: string; requests: number; labeled: boolean; pairs: number };
  /** Scores of the configurations that ran. */
  scores: ConfigScore[];
  /** Configurations that could not run here, with the reason. */
  skipped: SkippedConfig[];
  /** Threshold sweep (empty for unlabeled workloads). */
  sweep: SweepPoint[];
  /** Embedder and guard the sweep used. */
  sweepSetup?: string;
  /** Notes printed under the figures (how latency was simulated, prices...). */
  notes: string[];
}
