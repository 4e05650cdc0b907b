/**
 * Language detection for coverage decisions: an embedder, a guard and TTL rules each declare the
 * languages they understand, and a prompt in another one gets no semantic hit (or the
 * conservative TTL policy). eld (the Efficient Language Detector, ISO 639-1 codes, accurate on
 * short texts) does the detection; its n-gram tables take ~0.5 s and ~60 MB of heap to load, so
 * they are loaded once, in the background, when the first cache that needs them is built.
 */

/** Languages a component declares: ISO 639-1 codes (`['en']`), or `'*'` for any language. */
export type Languages = readonly string[] | '*';

/** What the detector says of one text. */
export interface LanguageGuess {
  /**
   * The most likely language (ISO 639-1); `und` for Latin-script text too short to tell (which
   * every declared language covers); undefined when the text has no letters at all.
   */
  language: string | undefined;
  /** Scores of the candidate languages; the top one is `language`'s. */
  scores: Readonly<Record<string, number>>;
}

interface Detector {
  detect(text: string): {
    language: string;
    getScores(): Record<string, number>;
    isReliable(): boolean;
  };
}

let detector: Detector | undefined;
let loading: Promise<void> | undefined;

/** Loads the detector once (later calls return the same promise). */
export function loadLanguageDetector(): Promise<void> {
  loading ??= import('eld/medium').then((m) => {
    detector = m.eld as Detector;
  });
  return loading;
}

/** True once `loadLanguageDetector` has finished: `detectLanguage` may be called. */
export function languageDetectorReady(): boolean {
  return detector !== undefined;
}

/** Characters looked at from each end of a longer text: the cost is bounded whatever its length. */
const SAMPLE = 1024;

/**
 * The language of `text`, judged on at most its first and last 1,024 characters. Call
 * `loadLanguageDetector` first; throws when it has not finished.
 */
export function detectLanguage(text: string): LanguageGuess {
  if (detector === undefined) {
    throw new Error('detectLanguage: await loadLanguageDetector() first.');
  }
  const sample =
    text.length <= 2 * SAMPLE ? text : `${text.slice(0, SAMPLE)} ${text.slice(-SAMPLE)}`;
  if (!/\p{L}/u.test(sample)) return { language: undefined, scores: {} };
  const result = detector.detect(sample);
  // One or two Latin-script words are too few to tell ("hello" scores Finnish, "python"
  // Hungarian): unless the detector is sure, such a text is taken for any Latin-script language.
  // Other scripts tell by themselves (你好 is Chinese however unsure the scores are).
  if (result.language === '' || (!result.isReliable() && !OTHER_SCRIPT.test(sample))) {
    return { language: UNDETERMINED, scores: {} };
  }
  return { language: result.language, scores: result.getScores() };
}

/** The language of a text with letters whose language cannot be told (`coversLanguage` accepts it). */
export const UNDETERMINED = 'und';

/** A letter of a script other than Latin. */
const OTHER_SCRIPT = /(?![\p{Script=Latin}])\p{L}/u;

/**
 * A declared language counts as the text's when its score is at least this share of the top
 * score: on short texts a few n-grams decide ("Define entropy" scores Italian 0.74, English 0.61),
 * and the cost of a wrong "foreign" verdict is a missed hit, not a wrong one.
 */
const CLOSE_SCORE = 0.8;

/** True when `languages` covers the guessed language of a text (a text without words is covered by none but `'*'`). */
export function coversLanguage(languages: Languages, guess: LanguageGuess): boolean {
  if (languages === '*') return true;
  if (guess.language === undefined) return false;
  if (guess.language === UNDETERMINED || languages.includes(guess.language)) return true;
  const top = guess.scores[guess.language] ?? 0;
  return languages.some((l) => (guess.scores[l] ?? 0) >= CLOSE_SCORE * top);
}

/** The languages both declare (`'*'` when both cover any). */
export function commonLanguages(a: Languages, b: Languages): Languages {
  if (a === '*') return b;
  if (b === '*') return a;
  return a.filter((l) => b.includes(l));
}

/** What is wrong with a declared language list, or undefined when it is valid. */
export function languagesProblem(value: unknown): string | undefined {
  if (value === '*') return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    return `must be '*' or a non-empty array of ISO 639-1 codes, got ${JSON.stringify(value)?.slice(0, 80)}`;
  }
  const bad = value.find((l) => typeof l !== 'string' || !/^[a-z]{2}$/.test(l));
  return bad === undefined
    ? undefined
    : `must hold two-letter ISO 639-1 codes in lower case ('en', 'de'), got ${JSON.stringify(bad)?.slice(0, 40)}`;
}
