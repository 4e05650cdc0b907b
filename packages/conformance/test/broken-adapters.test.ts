import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface JsonReport {
  testResults: Array<{
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }>;
  }>;
}

const fixture = fileURLToPath(new URL('./fixtures/broken/', import.meta.url));
const vitestBin = join(
  createRequire(import.meta.url).resolve('vitest/package.json'),
  '..',
  'vitest.mjs',
);
let failed: Set<string>;
let passed: Set<string>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conformance-broken-'));
  const out = join(dir, 'report.json');
  await new Promise<void>((resolve) => {
    execFile(
      process.execPath,
      [
        vitestBin,
        'run',
        '--config',
        join(fixture, 'vitest.config.ts'),
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { cwd: fixture, env: { ...process.env, CACHE_REQUIRE_SERVERS: '' } },
      () => resolve(),
    );
  });
  const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  failed = new Set();
  passed = new Set();
  for (const file of report.testResults) {
    for (const t of file.assertionResults) {
      const name = `${t.ancestorTitles.join(' > ')} > ${t.title}`;
      (t.status === 'failed' ? failed : passed).add(name);
    }
  }
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function failedIn(suite: string): string[] {
  return [...failed].filter((name) => name.startsWith(suite));
}

describe('the suites catch broken adapters', () => {
  it('a store scoring by dot product fails the cosine-similarity tests', () => {
    const names = failedIn('vector store conformance: dot-product');
    expect(names.some((n) => n.includes('treats minSimilarity as cosine similarity'))).toBe(true);
    expect(names.some((n) => n.includes('brute-force reference'))).toBe(true);
  });

  it('a store ignoring the scope fails scope isolation and clear(scope)', () => {
    const names = failedIn('vector store conformance: scope-leak');
    expect(names.some((n) => n.includes('never returns records of another scope'))).toBe(true);
    expect(names.some((n) => n.includes('clear(scope)'))).toBe(true);
  });

  it('a store writing part of a bad batch fails the validation tests', () => {
    const names = failedIn('vector store conformance: partial-batch');
    expect(names.some((n) => n.includes('wrong dimension'))).toBe(true);
    expect(names.some((n) => n.includes('NaN'))).toBe(true);
    expect(names.length).toBe(2);
  });

  it('an exact store ignoring TTL fails the expiry test only', () => {
    expect(failedIn('exact store conformance: no-ttl')).toEqual([
      'exact store conformance: no-ttl > expires an entry after its TTL and keeps a longer-lived one',
    ]);
  });

  it('an embedder accepting empty text fails the input test only', () => {
    const names = failedIn('embedder conformance: lenient');
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('rejects an empty list, an empty text');
  });

  it('an embedder declaring a malformed coverage fails the coverage test only', () => {
    const names = failedIn('embedder conformance: bad-coverage');
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('declares a valid coverage');
  });

  it('an embedder whose inspect throws on a 1 MB string fails the inspect test only', () => {
    const names = failedIn('embedder conformance: throwing-inspect');
    expect(names).toHaveLength(1);
    expect(names[0]).toContain('inspect, if present');
  });

  it('correct tests of the broken adapters still pass (the failures are specific)', () => {
    expect(passed.size).toBeGreaterThan(40);
  });
});
