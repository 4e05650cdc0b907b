import { InvalidOptionError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import type { LabeledPair } from '../src/pairs-csv.js';
import { parseSplit, selectSplit, splitOf } from '../src/split.js';

const pairs: LabeledPair[] = Array.from({ length: 400 }, (_, i) => ({
  question1: `question number ${i}`,
  question2: `other ${i}`,
  isDuplicate: i % 2 === 0,
  line: i + 2,
}));

describe('split', () => {
  it('is deterministic, disjoint, complete and roughly even', () => {
    const tune = selectSplit(pairs, 'tune');
    const holdout = selectSplit(pairs, 'holdout');
    expect(tune.length + holdout.length).toBe(pairs.length);
    expect(tune.filter((p) => holdout.includes(p))).toEqual([]);
    expect(tune.length).toBeGreaterThan(150);
    expect(holdout.length).toBeGreaterThan(150);
    expect(selectSplit(pairs, 'tune')).toEqual(tune);
    expect(selectSplit(pairs, 'all')).toHaveLength(400);
  });

  it('keeps rows with the same question1 together and pins known values', () => {
    expect(splitOf('What is Python?')).toBe(splitOf('What is Python?'));
    // SHA-256 first byte parity: pinned so the split never drifts between versions.
    expect(splitOf('What is Python?')).toBe('tune');
    expect(splitOf('What is the capital of France?')).toBe('holdout');
  });

  it('parses --split values', () => {
    expect(parseSplit('holdout')).toBe('holdout');
    expect(() => parseSplit('test')).toThrow(InvalidOptionError);
  });
});
