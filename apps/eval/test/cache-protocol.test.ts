import { describe, expect, it } from 'vitest';
import { runCacheProtocol } from '../src/cache-protocol.js';
import { readPairsFile } from '../src/pairs-file.js';

describe('runCacheProtocol (real SemanticCache, default configuration)', () => {
  it('hits the paraphrases and none of the near misses of the fixture', async () => {
    const pairs = await readPairsFile(
      new URL('./fixtures/small-pairs.csv', import.meta.url).pathname,
    );
    const m = await runCacheProtocol(pairs);
    expect(m.rows).toBe(9);
    expect(m.counts.duplicates).toBe(3);
    expect(m.counts.hitsOnNonDuplicates).toBe(0);
    expect(m.wrongHitRate).toBe(0);
    expect(m.precision).toBe(1);
    // The identical pancake question is an exact hit; "What's Python?" a semantic one.
    expect(m.counts.correctHits).toBeGreaterThanOrEqual(2);
    expect(m.hitRate).toBeCloseTo(m.counts.hits / 9, 10);
  }, 60_000);
});
