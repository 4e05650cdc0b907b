import { type DecisionWeights, FEATURE_NAMES, type GuardFeatures } from '@cache/core';
import type { Candidate, CandidateRow } from '../src/calibration.js';

/** Every weight zero: spread it and set the few a test is about. Follows `FEATURE_NAMES`. */
export const ZERO_WEIGHTS = Object.fromEntries(
  ['bias', ...FEATURE_NAMES].map((name) => [name, 0]),
) as unknown as DecisionWeights;

/** Score = sigmoid(20 × (similarity − 0.8)): ranks by similarity only. */
export const BY_SIMILARITY: DecisionWeights = { ...ZERO_WEIGHTS, bias: -16, similarity: 20 };

/** The features of a candidate sharing every content word (overlap 1), but `extraMax`. */
export function features(similarity: number, extraMax = 0): GuardFeatures {
  const zero = Object.fromEntries(
    FEATURE_NAMES.map((name) => [name, 0]),
  ) as unknown as GuardFeatures;
  return { ...zero, overlap: 1, similarity, extraMax };
}

/** One candidate of a row. */
export function candidate(
  similarity: number,
  isOwn: boolean,
  conflicts = 0,
  extraMax = 0,
): Candidate {
  return { isOwn, conflicts, features: features(similarity, extraMax) };
}

/** A row that is no exact hit, with its candidates best first. */
export function row(isDuplicate: boolean, ...candidates: Candidate[]): CandidateRow {
  return { isDuplicate, exact: false, exactIsOwn: false, candidates };
}
