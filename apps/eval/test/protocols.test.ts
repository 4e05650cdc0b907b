import { CalibratedGuard, DEFAULT_OPERATING_POINT } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { runCacheProtocol } from '../src/cache-protocol.js';
import { buildCandidateRows } from '../src/calibration.js';
import type { LabeledPair } from '../src/pairs-csv.js';
import { pchrCurve } from '../src/pchr-curve.js';
import { parseProtocols } from '../src/protocol.js';
import { acceptAll, ToyEmbedder, vectorsOf } from './toy-embedder.js';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
// Axes 0-5. D sits 0.9 from C; C2 is 0.97 from its own C but 0.979 from D.
const table: Record<string, number[]> = {
  'How do I bake bread?': [1, 0, 0, 0, 0, 0],
  'How can I bake bread?': unit([0.99, 0.14, 0, 0, 0, 0]),
  'Where is the station?': [0, 1, 0, 0, 0, 0],
  'Where is the stadium?': unit([0.98, 0, 0.2, 0, 0, 0]),
  'Who wrote Hamlet?': [0, 0, 0, 1, 0, 0],
  'Who is the author of Hamlet?': unit([0, 0, 0, 0.97, 0.243, 0]),
  'Who wrote Macbeth?': unit([0, 0, 0, 0.9, 0.436, 0]),
  'When did Macbeth premiere?': [0, 0, 0, 0, 0, 1],
};
const pairs: LabeledPair[] = [
  ['How do I bake bread?', 'How can I bake bread?', true],
  ['Where is the station?', 'Where is the stadium?', false],
  ['Who wrote Hamlet?', 'Who is the author of Hamlet?', true],
  ['Who wrote Macbeth?', 'When did Macbeth premiere?', false],
].map(([question1, question2, isDuplicate], i) => ({
  question1: question1 as string,
  question2: question2 as string,
  isDuplicate: isDuplicate as boolean,
  line: i + 2,
}));
const noGuard = { guard: acceptAll, minSimilarity: 0.9 };

describe('store-all and pairwise protocols', () => {
  it('differ where another row’s stored question is nearer than the pair’s own', async () => {
    const embedder = new ToyEmbedder(table);
    const storeAll = await runCacheProtocol(pairs, {
      protocol: 'store-all',
      cacheOptions: { embedder, ...noGuard },
    });
    // Row 1 correct; row 2 served row 1's answer (wrong hit on a non-duplicate); row 3 served
    // row 4's answer (a hit, not correct); row 4 missed.
    expect(storeAll.counts).toEqual({
      hits: 3,
      correctHits: 1,
      duplicates: 2,
      nonDuplicates: 2,
      hitsOnNonDuplicates: 1,
    });
    expect(storeAll.precision).toBeCloseTo(1 / 3, 10);
    expect(storeAll.recall).toBe(0.5);
    expect(storeAll.wrongHitRate).toBe(0.5);
    expect(storeAll.hitRate).toBe(0.75);
    const pairwise = await runCacheProtocol(pairs, {
      protocol: 'pairwise',
      cacheOptions: { embedder, ...noGuard },
    });
    // Each question2 meets only its own question1: rows 1 and 3 correct, rows 2 and 4 missed.
    expect(pairwise.counts).toEqual({
      hits: 2,
      correctHits: 2,
      duplicates: 2,
      nonDuplicates: 2,
      hitsOnNonDuplicates: 0,
    });
    expect(pairwise.precision).toBe(1);
    expect(pairwise.recall).toBe(1);
    expect(pairwise.hitRate).toBe(0.5);
  });

  it('replayed candidates end, with no guard, where the real cache with no guard is', async () => {
    const embedder = new ToyEmbedder(table);
    const vectors = vectorsOf(
      embedder,
      pairs.flatMap((p) => [p.question1, p.question2]),
    );
    const probe = new CalibratedGuard({ operatingPoint: DEFAULT_OPERATING_POINT });
    const point = { ...DEFAULT_OPERATING_POINT, minSimilarity: 0.9 };
    for (const protocol of parseProtocols('both')) {
      const real = await runCacheProtocol(pairs, {
        protocol,
        cacheOptions: { embedder, ...noGuard },
      });
      const rows = buildCandidateRows(pairs, vectors, probe, { protocol });
      if (protocol === 'pairwise') {
        expect(rows.every((r) => r.candidates.every((c) => c.isOwn))).toBe(true);
      }
      const end = pchrCurve(rows, point).points.at(-1);
      expect(end?.hits).toBe(real.counts.hits);
      expect(end?.correctHits).toBe(real.counts.correctHits);
      expect(end?.hitRatio).toBe(real.hitRate);
    }
  });

  it('pairwise stores a repeated question1 again in each row’s own namespace', async () => {
    const embedder = new ToyEmbedder(table);
    const twice = [pairs[0], { ...(pairs[0] as LabeledPair), line: 9 }] as LabeledPair[];
    const m = await runCacheProtocol(twice, {
      protocol: 'pairwise',
      cacheOptions: { embedder, ...noGuard },
    });
    expect(m.counts.hits).toBe(2);
    expect(m.counts.correctHits).toBe(2);
  });
});
