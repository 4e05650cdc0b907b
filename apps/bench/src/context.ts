/** Size tier of a run. */
export type BenchSize = 'full' | 'quick' | 'tiny';

/** The value of the run's size tier. */
export function sized<T>(ctx: BenchContext, full: T, quick: T, tiny: T): T {
  return ctx.size === 'full' ? full : ctx.size === 'quick' ? quick : tiny;
}

/** Settings shared by every section, from the command line. */
export interface BenchContext {
  /**
   * Data sizes: `full` (the figures BENCHMARKS.md quotes), `quick` (development: minutes become
   * seconds, figures not comparable) or `tiny` (tests: every code path once).
   */
  size: BenchSize;
  /** Seed of every generated data set. */
  seed: number;
  /** Redis URL (the `exact` and `pgvector` sections' round trips); undefined skips them. */
  redisUrl: string | undefined;
  /** PostgreSQL URL with pgvector; undefined runs pgvector on PGlite only. */
  databaseUrl: string | undefined;
  /** Folder of the evaluation data (qqp-pairs.csv, paraphrase-pairs.json). */
  evalDir: string;
  /** Folder for reusable artefacts (embeddings of the evaluation questions); undefined: none. */
  cacheDir: string | undefined;
  /** Build PGlite databases above 10,000 vectors when no cached image exists (slow). */
  buildLargePglite: boolean;
  /** Vector length of the `scale` section's generated data (the default embedder's). */
  scaleDimension: number;
  /** Store sizes of the `scale` section; undefined: by the size tier. */
  scaleSizes: number[] | undefined;
  /** Largest size the `scale` section builds hnswlib at (its build is the slow part). */
  scaleHnswMax: number;
  /** Whether to run the hnswlib-node peer (off with `--no-hnswlib`; skipped anyway when absent). */
  hnswlib: boolean;
  /** hnswlib graph degree. */
  hnswM: number;
  /** hnswlib build-time candidate list size. */
  hnswEfConstruction: number;
  /** The JSON report being filled in by the sections. */
  report: Record<string, unknown>;
  /** Writes the report as it stands (to the `--json` file, if any). */
  flush(): void;
}

/** Sets `report[path]` (dot-separated, objects created on the way). */
export function put(report: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let at: Record<string, unknown> = report;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next === 'object' && next !== null) at = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      at[part] = created;
      at = created;
    }
  }
  at[parts[parts.length - 1] as string] = value;
}

/** A scope hash for one benchmark run, shaped like the cache's (hex); random so runs never collide. */
export function benchScope(label: string): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `${label}${Buffer.from(bytes).toString('hex')}`;
}
