import { createDefaultGuard } from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareConfigs } from '../src/compare/configs.js';
import { MemoEmbedder } from '../src/compare/memo-embedder.js';
import { type CompareRun, runComparison } from '../src/compare/run.js';
import { thresholdSweep } from '../src/compare/sweep.js';
import { renderReport } from '../src/report/html.js';
import { workloadFromPairs } from '../src/workload/build.js';

const pairs = [
  {
    first: 'What is the capital of France?',
    second: "What's the capital of France?",
    duplicate: true,
  },
  {
    first: 'What is the capital of Germany?',
    second: 'What is the capital of Spain?',
    duplicate: false,
  },
  {
    first: 'How do I learn Python quickly?',
    second: 'How can I learn Python fast?',
    duplicate: true,
  },
];
const workload = workloadFromPairs(pairs, { name: 'tiny', source: 'test' });
const local = new LocalEmbedder();
const embedder = new MemoEmbedder(local);
let run: CompareRun;

beforeAll(async () => {
  const wanted = new Set(['no cache', 'exact only', 'bucket LSH 8', 'verified LSH', 'Redis + LSH']);
  const configs = compareConfigs(embedder, {}).filter((c) => wanted.has(c.name));
  run = await runComparison(workload, configs, { progress: false, embedder });
}, 120_000);

afterAll(async () => {
  await local.close();
});

const score = (name: string) => {
  const found = run.scores.find((s) => s.name === name);
  if (!found) throw new Error(`no score for ${name}`);
  return found;
};

describe('compare', () => {
  it('skips server configurations without their URL, with the reason', () => {
    expect(run.skipped).toEqual([{ name: 'Redis + LSH', reason: 'REDIS_URL is not set' }]);
    expect(run.scores.map((s) => s.name)).toEqual([
      'no cache',
      'exact only',
      'bucket LSH 8',
      'verified LSH',
    ]);
  });

  it('charges every request of the baseline a simulated model call', () => {
    const base = score('no cache');
    expect(base.requests).toBe(7);
    expect(base.modelCalls).toBe(7);
    expect(base.hitRate).toBe(0);
    expect(base.latency.p50).toBeGreaterThanOrEqual(300);
    expect(base.latency.p99).toBeLessThanOrEqual(801);
  });

  it('counts the verbatim repeat as a right exact hit', () => {
    const exact = score('exact only');
    expect(exact.bySource.exact).toBe(1);
    expect(exact.bySource.semantic).toBe(0);
    expect(exact.wrongHits).toBe(0);
    expect(exact.callsSaved).toBe(1);
    expect(exact.costSaved).toBeGreaterThan(0);
    expect(Math.min(...exact.latencies)).toBeLessThan(300);
  });

  it('scores a hit on the non-duplicate pair as wrong', () => {
    const bucket = score('bucket LSH 8');
    const verified = score('verified LSH');
    // The guard must keep Spain from being served Germany's answer.
    expect(verified.wrongHitRate).toBe(0);
    expect(verified.precision).toBe(1);
    expect(verified.bySource.semantic).toBeGreaterThanOrEqual(1);
    expect(bucket.wrongHits).toBeGreaterThanOrEqual(verified.wrongHits);
    for (const s of run.scores) expect(s.wrongHits).toBe(s.semanticSimilarities.wrong.length);
  });

  it('renders a self-contained report with the library inlined and every configuration', async () => {
    const sweep = await thresholdSweep(pairs, embedder, createDefaultGuard(embedder.id), {
      from: 0.8,
      to: 0.9,
      step: 0.05,
    });
    expect(sweep.map((p) => p.threshold)).toEqual([0.8, 0.85, 0.9]);
    const html = await renderReport({
      title: 'test report',
      generatedAt: 'now',
      workload: { name: 'tiny', source: 'test', requests: 7, labeled: true, pairs: 3 },
      scores: run.scores,
      skipped: run.skipped,
      sweep,
      notes: ['a <note>'],
    });
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).toContain('Chart.js v4');
    expect(html).toContain('a &#60;note&#62;');
    for (const s of run.scores) expect(html).toContain(s.name);
    expect(html).toContain('REDIS_URL is not set');
  });
});
