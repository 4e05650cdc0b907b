import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../src/brute-force.js';
import { makePlantedDataset } from '../src/dataset.js';
import { runBench } from '../src/main.js';
import { Prng } from '../src/prng.js';
import { quantile, recallOf } from '../src/stats.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data generation', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('plants near-duplicates that the exact scan finds at 0.85, and no decoy', () => {
    const data = makePlantedDataset({ size: 3_000, dimension: 64, queries: 30, seed: 1 });
    const brute = new BruteForceIndex(data.data, 64);
    const truth = data.queries.map((q) => brute.search(q, 10, 0.85).map((m) => m.row));
    const check = recallOf(data.planted, truth);
    expect(check.recall).toBe(1);
    expect(check.extra).toBe(0);
    expect(check.expected).toBeGreaterThanOrEqual(30);
  });
});

describe('statistics', () => {
  it('interpolates quantiles and counts recall as sets', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.99)).toBe(5);
    expect(recallOf([[1, 2], []], [[2, 3], [4]])).toEqual({
      recall: 0.5,
      expected: 2,
      found: 1,
      extra: 2,
    });
  });
});

describe('pnpm bench without hnswlib', () => {
  it('skips the hnswlib rows and writes its keys as null', async () => {
    const file = join(dir, 'no-hnswlib.json');
    const { failedSections } = await runBench([
      '--no-redis',
      '--tiny',
      '--only',
      'ann',
      '--json',
      file,
      '--no-cache-dir',
      '--no-hnswlib',
    ]);
    expect(failedSections).toEqual([]);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.hnswlib.available).toBe(false);
    for (const key of ['p50Us', 'p99Us', 'recall', 'buildMs', 'bytesPerEntry']) {
      expect(report.hnswlib[key], `hnswlib.${key}`).toBeNull();
    }
    expect(typeof report.lsh.p99Us).toBe('number');
  }, 120_000);
});

describe('pnpm bench --only scale', () => {
  it('reports every size, the peers, the real set and the byte budget', async () => {
    const file = join(dir, 'scale.json');
    const { failedSections } = await runBench([
      '--no-redis',
      '--tiny',
      '--only',
      'scale',
      '--scale-sizes',
      '1500,3000',
      '--scale-dimension',
      '64',
      '--scale-hnsw-max',
      '1500',
      '--json',
      file,
      '--no-cache-dir',
      '--hnsw-m',
      '8',
      '--hnsw-ef-construction',
      '16',
    ]);
    expect(failedSections).toEqual([]);
    const { scale } = JSON.parse(readFileSync(file, 'utf8'));
    expect(scale.dimension).toBe(64);
    for (const label of ['1500', '3k']) {
      const lsh = scale[`lsh${label}`];
      for (const key of ['recall', 'p50Us', 'p99Us', 'buildMs', 'bytesPerEntry', 'rssBytes']) {
        expect(typeof lsh[key], `lsh${label}.${key}`).toBe('number');
      }
      expect(lsh.recall).toBeGreaterThanOrEqual(0);
      expect(lsh.recall).toBeLessThanOrEqual(1);
      expect(typeof scale[`bruteForce${label}`].p99Us).toBe('number');
    }
    // hnswlib is built up to --scale-hnsw-max only (and only where it is installed).
    expect(scale.hnswlib3k.p99Us).toBeNull();
    expect(typeof scale.hnswlib1500.p99Us).toBe(scale.hnswlib1500.available ? 'number' : 'object');
    expect(typeof scale.real.recall).toBe('number');
    expect(scale.budget.underBudget).toBe(true);
    expect(scale.budget.peakBytes).toBeLessThanOrEqual(scale.budget.maxBytes);
    expect(scale.budget.entries).toBeLessThan(scale.budget.inserted);
  }, 300_000);
});

// Runs every section that needs no server at tiny sizes and checks the shape of the report;
// the figures themselves are not judged (benchmarks are scripts, not timed tests).
describe('pnpm bench --tiny', () => {
  it('runs the in-process sections and writes the JSON report', async () => {
    const file = join(dir, 'report.json');
    const sections = ['semantic', 'throughput', 'real', 'embedders', 'ann', 'pgvector'];
    const redis =
      process.env.REDIS_URL === undefined ? ['--no-redis'] : ['--redis-url', process.env.REDIS_URL];
    if (process.env.REDIS_URL !== undefined) sections.unshift('exact');
    const { failedSections } = await runBench([
      ...redis,
      '--tiny',
      '--only',
      sections.join(','),
      '--json',
      file,
      '--no-cache-dir',
      '--hnsw-m',
      '8',
      '--hnsw-ef-construction',
      '16',
    ]);
    expect(failedSections).toEqual([]);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    for (const key of ['recall', 'p50Us', 'p99Us', 'bytesPerEntry']) {
      expect(typeof report.lsh[key], `lsh.${key}`).toBe('number');
    }
    expect(report.lsh.recall).toBeGreaterThanOrEqual(0);
    expect(report.lsh.recall).toBeLessThanOrEqual(1);
    expect(typeof report.bruteForce.p99Us).toBe('number');
    // hnswlib-node is optional: where it did not build, its figures are null.
    expect(typeof report.hnswlib.p99Us).toBe(report.hnswlib.available ? 'number' : 'object');
    expect(typeof report.semanticOverheadOverEmbed).toBe('number');
    expect(typeof report.semantic.overheadPaired).toBe('number');
    // Every lookup was paired with a direct embedding of the same text.
    expect(report.semantic.pairedDifference.n).toBe(report.semantic.lookups);
    expect(report.embedCallsForRepeatedPrompt).toBeGreaterThanOrEqual(1);
    expect(typeof report.throughput.opsPerSec).toBe('number');
    expect(typeof report.memory.bytesPerEntry).toBe('number');
    // Divided by the entries actually stored, never by the prompts asked.
    expect(report.memory.entries).toBeGreaterThan(0);
    expect(report.memory.entries).toBeLessThanOrEqual(100);
    expect(typeof report.memory.storesAlone.bytesPerEntry).toBe('number');
    expect(report.lshReal.byThreshold.length).toBe(2);
    const backends = report.pgvector.results.map((r: { backend: string }) => r.backend);
    expect(backends).toContain('PGlite');
    if (process.env.DATABASE_URL !== undefined) expect(backends).toContain('PostgreSQL');
    if (process.env.REDIS_URL !== undefined)
      expect(typeof report.exactHitOverRawGet).toBe('number');
    expect(report.embedders.map((e: { model: string }) => e.model)).toEqual([
      'local/use-lite@512',
      'local/all-minilm-l6-v2@384',
    ]);
    for (const e of report.embedders) {
      expect(e.coldStartMs).toBeGreaterThan(0);
      expect(e.perSentence['1'].cpuMs).toBeGreaterThan(0);
      expect(e.perSentence['8'].wallMs).toBeGreaterThan(0);
      expect(e.installMiB).toBeGreaterThan(1);
    }
    expect(report.machine.cpus).toBeGreaterThan(0);
  }, 600_000);
});
