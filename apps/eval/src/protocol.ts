import { InvalidOptionError } from '@cache/core';

/**
 * How labeled pairs are put to a cache. `store-all`: every question1 of a file is stored in one
 * scope, then every question2 is looked up (a question2 may be served another row's answer).
 * `pairwise`: each pair alone in its own namespace: its question1 is stored, its question2
 * looked up (only the pair's own answer can be served).
 */
export type Protocol = 'store-all' | 'pairwise';

/** Both protocols, in report order. */
export const PROTOCOLS: readonly Protocol[] = ['store-all', 'pairwise'];

/** Parses a `--protocol` value: `store-all`, `pairwise` or (when `allowBoth`) `both`. */
export function parseProtocols(value: string, allowBoth = true): Protocol[] {
  if (value === 'store-all' || value === 'pairwise') return [value];
  if (allowBoth && value === 'both') return [...PROTOCOLS];
  throw new InvalidOptionError(
    `--protocol must be store-all or pairwise${allowBoth ? ' or both' : ''}, got "${value}".`,
  );
}
