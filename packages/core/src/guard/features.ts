import { unmatchedWords } from './matching.js';
import type { PromptAnalysis } from './prompt-analysis.js';

/** The soft signals the calibrated decision weighs, besides the hard conflicts. */
export interface GuardFeatures {
  /** Cosine similarity of the two prompts' embeddings. */
  similarity: number;
  /** Content words of the side with more unshared content words, not found in the other. */
  extraMax: number;
  /** Content words of the side with fewer unshared content words, not found in the other. */
  extraMin: number;
  /** Jaccard overlap of the two sets of content lemmas, in [0, 1]. */
  overlap: number;
  /** Numbers, names and years present on one side only. */
  oneSided: number;
  /** Nouns and names of the side with more unshared ones, not found in the other. */
  extraNouns: number;
  /**
   * Content words swapped for another that is no synonym: the smaller of the two sides' counts
   * of content words the other side lacks, after WordNet synonyms and shared stems are matched
   * (`vinegar` / `ammonia`, `delete` / `keep`).
   */
  substituted: number;
  /** Content words one side adds beyond the substitutions (difference of the two counts). */
  added: number;
  /** Share of both prompts' key words the other side lacks, in [0, 1]. */
  unmatchedShare: number;
  /** 1 when the prompts ask for a different kind of answer (`why` / `who` / `when` / `where`), else 0. */
  answerKind: number;
}

/** Names of {@link GuardFeatures} in the order the weights of an operating point use. */
export const FEATURE_NAMES = [
  'similarity',
  'extraMax',
  'extraMin',
  'overlap',
  'oneSided',
  'extraNouns',
  'substituted',
  'added',
  'unmatchedShare',
  'answerKind',
] as const;

/** Computes the soft signals between two analyzed prompts. */
export function pairFeatures(
  a: PromptAnalysis,
  b: PromptAnalysis,
  similarity: number,
): GuardFeatures {
  const onlyA = [...a.contentLemmas].filter((w) => !b.words.has(w)).length;
  const onlyB = [...b.contentLemmas].filter((w) => !a.words.has(w)).length;
  let shared = 0;
  for (const w of a.contentLemmas) if (b.contentLemmas.has(w)) shared++;
  const union = a.contentLemmas.size + b.contentLemmas.size - shared;
  const oneSided =
    countMissing(a.numbers, b.words) +
    countMissing(b.numbers, a.words) +
    countMissing(a.properNouns, b.words) +
    countMissing(b.properNouns, a.words) +
    countMissing(a.years, b.years) +
    countMissing(b.years, a.years);
  const missingInB = unmatchedWords(a, b).length;
  const missingInA = unmatchedWords(b, a).length;
  return {
    similarity,
    substituted: Math.min(missingInA, missingInB),
    added: Math.abs(missingInA - missingInB),
    answerKind: a.answerKinds === b.answerKinds ? 0 : 1,
    unmatchedShare:
      a.keyLemmas.size + b.keyLemmas.size === 0
        ? 0
        : (missingInA + missingInB) / (a.keyLemmas.size + b.keyLemmas.size),
    extraNouns: Math.max(unsharedNouns(a, b), unsharedNouns(b, a)),
    extraMax: Math.max(onlyA, onlyB),
    extraMin: Math.min(onlyA, onlyB),
    overlap: union === 0 ? 1 : shared / union,
    oneSided,
  };
}

function countMissing(values: Iterable<string>, other: ReadonlySet<string>): number {
  let n = 0;
  for (const v of values) if (!other.has(v)) n++;
  return n;
}

const NOUN_POS = new Set(['NOUN', 'PROPN']);

function unsharedNouns(a: PromptAnalysis, b: PromptAnalysis): number {
  const seen = new Set<string>();
  for (const t of a.tokens) {
    if (t.content && (NOUN_POS.has(t.pos) || t.proper) && !b.words.has(t.lemma)) seen.add(t.lemma);
  }
  return seen.size;
}
