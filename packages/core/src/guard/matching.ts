import type { PromptAnalysis } from './prompt-analysis.js';
import { synonymous } from './wordnet.js';

/**
 * Most content words compared by synonymy per side. Synonym look-ups cost |A| × |B|; prompts
 * that differ in more words than this are different questions whatever the synonyms, so the
 * comparison stays linear in the prompts' length.
 */
export const MAX_MATCHED_WORDS = 12;

/**
 * True when the key word `word` of one prompt is found in `other`: the same lemma or surface
 * form, a shared 5-letter stem (`deletion` / `delete`), or a WordNet synonym of one of its key
 * words (`buy` / `purchase`).
 */
export function matchedIn(word: string, other: PromptAnalysis): boolean {
  if (other.words.has(word)) return true;
  const stem = word.length >= 5 ? word.slice(0, 5) : undefined;
  if (other.keyLemmas.size > MAX_MATCHED_WORDS) return false;
  for (const w of other.keyLemmas) {
    if (stem !== undefined && w.length >= 5 && w.startsWith(stem)) return true;
    if (synonymous(word, w)) return true;
  }
  return false;
}

/** Key words of `a` that `b` lacks (see `matchedIn`); all unmatched past MAX_MATCHED_WORDS. */
export function unmatchedWords(a: PromptAnalysis, b: PromptAnalysis): string[] {
  const out: string[] = [];
  for (const w of a.keyLemmas) if (!matchedIn(w, b)) out.push(w);
  return out;
}
