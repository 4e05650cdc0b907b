import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type BenchContext, type BenchSize, put } from './context.js';
import { DEFAULT_EVAL_DIR } from './eval-data.js';
import { SECTIONS, type SectionName } from './sections/index.js';
import { note } from './table.js';

const DEFAULT_CACHE_DIR = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  'node_modules',
  '.cache',
  'bench',
);

/** What {@link runBench} returns. */
export interface BenchOutcome {
  /** Every figure, as written by `--json`. */
  report: Record<string, unknown>;
  /** Sections that threw (their error was printed). */
  failedSections: string[];
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

function integerList(value: string): number[] {
  return value.split(',').map((s) => integer(s.trim()));
}

function sectionList(value: string): SectionName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!Object.hasOwn(SECTIONS, name)) {
      throw new InvalidArgumentError(
        `unknown section "${name}"; sections: ${Object.keys(SECTIONS).join(', ')}.`,
      );
    }
  }
  return names as SectionName[];
}

function program(): Command {
  return new Command()
    .name('bench')
    .description(
      'Benchmarks of the semantic LLM cache: prints tables, optionally writes one JSON object.',
    )
    .option('--json <file>', 'write every figure as one JSON object to FILE')
    .option(
      '--only <sections>',
      `comma-separated sections to run (${Object.keys(SECTIONS).join(', ')})`,
      sectionList,
    )
    .option('--quick', 'small sizes, for development; figures not comparable', false)
    .addOption(new Option('--tiny', 'minimal sizes, for tests').default(false).hideHelp())
    .option('--seed <n>', 'seed of every generated data set', integer, 20_251_125)
    .addOption(
      new Option('--redis-url <url>', 'Redis for the exact-hit and round-trip figures')
        .env('REDIS_URL')
        .default('redis://127.0.0.1:6379'),
    )
    .option('--no-redis', 'skip everything that needs Redis')
    .addOption(
      new Option(
        '--database-url <url>',
        'PostgreSQL with pgvector; without it pgvector runs on PGlite only',
      ).env('DATABASE_URL'),
    )
    .option(
      '--eval-dir <dir>',
      'folder of qqp-pairs.csv and paraphrase-pairs.json',
      process.env.BENCH_EVAL_DIR ?? DEFAULT_EVAL_DIR,
    )
    .option(
      '--cache-dir <dir>',
      'folder keeping embeddings of the evaluation texts and built PGlite databases between runs',
      DEFAULT_CACHE_DIR,
    )
    .option(
      '--no-cache-dir',
      'embed the evaluation texts and build PGlite databases afresh every run',
    )
    .option(
      '--build-large-pglite',
      'build PGlite databases above 10,000 vectors when none is cached (tens of minutes)',
      false,
    )
    .option(
      '--scale-dimension <n>',
      'vector length of the scale section (the default embedder all-MiniLM-L6-v2 is 384-d)',
      integer,
      384,
    )
    .option(
      '--scale-sizes <list>',
      'comma-separated store sizes of the scale section (default 10000,100000,1000000)',
      integerList,
    )
    .option(
      '--scale-hnsw-max <n>',
      'largest size the scale section builds hnswlib at (a million takes far longer than LSH)',
      integer,
      100_000,
    )
    .option('--no-hnswlib', 'skip the hnswlib-node peer (it is skipped anyway when not installed)')
    .option('--hnsw-m <n>', 'hnswlib graph degree M', integer, 32)
    .option('--hnsw-ef-construction <n>', 'hnswlib efConstruction', integer, 64);
}

/**
 * Parses `argv` (the arguments after the script name), runs the selected sections in order,
 * prints their tables, writes the JSON report when `--json` is given, and returns the report.
 * A section that throws is reported and the others still run.
 */
export async function runBench(argv: readonly string[]): Promise<BenchOutcome> {
  const parsed = program().parse([...argv], { from: 'user' });
  const opts = parsed.opts<{
    json?: string;
    only?: SectionName[];
    quick: boolean;
    tiny: boolean;
    seed: number;
    redisUrl: string;
    redis: boolean;
    databaseUrl?: string;
    evalDir: string;
    cacheDir: string | false;
    buildLargePglite: boolean;
    scaleDimension: number;
    scaleSizes?: number[];
    scaleHnswMax: number;
    hnswlib: boolean;
    hnswM: number;
    hnswEfConstruction: number;
  }>();
  const size: BenchSize = opts.tiny ? 'tiny' : opts.quick ? 'quick' : 'full';
  const report: Record<string, unknown> = {};
  const ctx: BenchContext = {
    size,
    seed: opts.seed,
    redisUrl: opts.redis ? opts.redisUrl : undefined,
    databaseUrl: opts.databaseUrl,
    evalDir: opts.evalDir,
    cacheDir: opts.cacheDir === false ? undefined : opts.cacheDir,
    buildLargePglite: opts.buildLargePglite,
    scaleDimension: opts.scaleDimension,
    scaleSizes: opts.scaleSizes,
    scaleHnswMax: opts.scaleHnswMax,
    hnswlib: opts.hnswlib,
    hnswM: opts.hnswM,
    hnswEfConstruction: opts.hnswEfConstruction,
    report,
    flush: () => {
      if (opts.json !== undefined) writeReport(opts.json, report);
    },
  };
  const cpu = cpus();
  put(report, 'machine', {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  });
  put(report, 'run', {
    startedAt: new Date().toISOString(),
    size,
    seed: opts.seed,
    argv: [...argv],
  });
  console.log(
    `bench: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${size} sizes`,
  );

  const selected = opts.only ?? (Object.keys(SECTIONS) as SectionName[]);
  const failedSections: string[] = [];
  const started = performance.now();
  for (const name of selected) {
    const t = performance.now();
    try {
      await SECTIONS[name](ctx);
    } catch (error) {
      failedSections.push(name);
      console.error(`\nsection ${name} failed:`, error);
    }
    const seconds = (performance.now() - t) / 1000;
    put(report, `run.sectionSeconds.${name}`, seconds);
    note(`[${name}: ${seconds.toFixed(1)} s]`);
    // Written after every section too, so an interrupted run keeps what it measured.
    ctx.flush();
  }
  put(report, 'run.totalSeconds', (performance.now() - started) / 1000);
  put(report, 'run.failedSections', failedSections);
  if (opts.json !== undefined) {
    writeReport(opts.json, report);
    console.log(`\nwrote ${opts.json}`);
  }
  if (failedSections.length > 0) console.error(`\nfailed sections: ${failedSections.join(', ')}`);
  return { report, failedSections };
}

function writeReport(file: string, report: Record<string, unknown>): void {
  const text = JSON.stringify(
    report,
    (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
  writeFileSync(file, `${text}\n`);
}
