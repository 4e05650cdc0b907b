import { normalizePrompt } from '@cache/core';
import type { LabeledPair, Workload, WorkloadRequest } from './types.js';

/** Options of {@link workloadFromPairs}. */
export interface PairWorkloadOptions {
  /** Name for tables and the report. */
  name: string;
  /** Provenance text. */
  source: string;
  /** Re-ask every n-th stored question verbatim after the lookups (exact hits); 0 for none. */
  repeatEvery?: number;
}

/**
 * Builds the usual pairs protocol as a replayable workload: every pair's first question is
 * asked (a miss that stores it, or an exact hit when it repeats), then every second question
 * (a hit is right only on a duplicate pair and only with that pair's first question's answer),
 * then some first questions again, verbatim.
 */
export function workloadFromPairs(
  pairs: readonly LabeledPair[],
  options: PairWorkloadOptions,
): Workload {
  const requests: WorkloadRequest[] = [];
  for (const pair of pairs) {
    requests.push({ prompt: pair.first, accept: [pair.first], kind: 'store' });
  }
  for (const pair of pairs) {
    requests.push(
      pair.duplicate
        ? { prompt: pair.second, accept: [pair.second, pair.first], kind: 'duplicate' }
        : { prompt: pair.second, accept: [pair.second], kind: 'distinct' },
    );
  }
  const every = options.repeatEvery ?? 5;
  if (every > 0) {
    pairs.forEach((pair, index) => {
      if (index % every === 0) {
        requests.push({ prompt: pair.first, accept: [pair.first], kind: 'repeat' });
      }
    });
  }
  return {
    name: options.name,
    source: options.source,
    labeled: true,
    requests,
    pairs: [...pairs],
  };
}

/** A workload from plain prompts: no labels, so hits cannot be scored right or wrong. */
export function workloadFromPrompts(
  prompts: readonly string[],
  name: string,
  source: string,
): Workload {
  return {
    name,
    source,
    labeled: false,
    requests: prompts.map((prompt) => ({ prompt, accept: [prompt], kind: 'unlabeled' })),
    pairs: [],
  };
}

/**
 * Canonical form used to compare a served entry's prompt with a request's accepted prompts: the
 * cache's own normalization with case folded, so scoring is never laxer than the exact layer.
 */
export function comparable(text: string): string {
  return normalizePrompt(text, { caseFold: true });
}
