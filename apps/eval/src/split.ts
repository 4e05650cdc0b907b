import { createHash } from 'node:crypto';
import { InvalidOptionError } from '@cache/core';
import type { LabeledPair } from './pairs-csv.js';

/** Which part of a data set a row belongs to. */
export type SplitName = 'tune' | 'holdout' | 'all';

/**
 * The part of the data `question1` falls in: the first byte of its SHA-256 decides, so the
 * split is the same on every machine and rows sharing a stored question stay together (no
 * stored question is seen while tuning and again in the holdout).
 */
export function splitOf(question1: string): 'tune' | 'holdout' {
  const digest = createHash('sha256').update(question1, 'utf8').digest();
  return ((digest[0] as number) & 1) === 0 ? 'tune' : 'holdout';
}

/** The rows of `pairs` in `split` (all of them for `all`). */
export function selectSplit(pairs: readonly LabeledPair[], split: SplitName): LabeledPair[] {
  if (split === 'all') return [...pairs];
  return pairs.filter((p) => splitOf(p.question1) === split);
}

/** Parses a `--split` value. */
export function parseSplit(value: string): SplitName {
  if (value === 'tune' || value === 'holdout' || value === 'all') return value;
  throw new InvalidOptionError(`--split must be tune, holdout or all, got "${value}".`);
}
