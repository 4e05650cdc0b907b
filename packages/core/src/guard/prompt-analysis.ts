import model from 'wink-eng-lite-web-model';
import winkNLP from 'wink-nlp';
import {
  ANSWER_KIND_WORDS,
  CALENDAR_WORDS,
  FILLER_WORDS,
  KEY_FILLER_WORDS,
  NEGATION_WORDS,
  NUMBER_WORDS,
  ORDINAL_WORDS,
  PERIOD_MODIFIERS,
  PERIOD_WORDS,
  RELATIVE_TIME_WORDS,
} from './lexicon.js';

/** One word of a prompt as the guard sees it. */
export interface AnalyzedToken {
  /** The text as written. */
  value: string;
  /** Lower-case lemma (`advantages` → `advantage`, `n't` → `not`). */
  lemma: string;
  /** Universal part-of-speech tag from wink-nlp (`NOUN`, `PROPN`, `NUM`, `VERB`...). */
  pos: string;
  /** True for a topic-bearing word: a non-stop-word noun, verb, adjective, adverb, number or name. */
  content: boolean;
  /** True for a proper noun or name (tagged PROPN, or capitalized inside the sentence). */
  proper: boolean;
}

/** What the guard extracts from one prompt. */
export interface PromptAnalysis {
  /** Every token, in order. */
  tokens: readonly AnalyzedToken[];
  /** Lemmas of the content words. */
  contentLemmas: ReadonlySet<string>;
  /**
   * Lemmas of every word that can change what is asked: content words plus the common verbs,
   * adverbs and interjections a stop-word list drops (`keep`, `take`, `say`, `just`, `yes`).
   */
  keyLemmas: ReadonlySet<string>;
  /** Every lemma and lower-case surface form, to test whether a word appears at all. */
  words: ReadonlySet<string>;
  /** Numbers and quantities, normalized (`3`, `3.5`, `#2` for ordinals), in order. */
  numbers: readonly string[];
  /** Proper nouns and names, lower case. */
  properNouns: ReadonlySet<string>;
  /** Number of negation words. */
  negations: number;
  /** Relative time expressions (`today`, `next week`) and calendar words, lower case. */
  relativeTimes: ReadonlySet<string>;
  /** Four-digit years (1500–2099) and decades (`1990s`). */
  years: ReadonlySet<string>;
  /** The lower-case text with only letters, digits and spaces, for substring tests. */
  flatText: string;
  /**
   * Key lemmas of each sentence, clause in brackets or line: an instruction or constraint
   * added on one side ("Just say yes.", "(answer: Berlin)") stands in a segment of its own.
   */
  segments: readonly ReadonlySet<string>[];
  /**
   * Characters whose form carries meaning that words do not show: superscripts, subscripts,
   * fractions and other compatibility forms (`2³`, `H₂O`, `½`) and math symbols (`+`, `×`, `≤`),
   * in order.
   */
  notation: string;
  /** Code the prompt quotes or indents (fenced blocks, `inline code`, indented lines), verbatim. */
  code: string;
  /** True for a passive clause with an agent ("was beaten by"): roles may then swap places. */
  passive: boolean;
  /** The question words that ask for a kind of answer (`why`, `who`, `when`, `where`), sorted. */
  answerKinds: string;
}

// wink-nlp tests each token against patterns such as /[a-z].*\.$/, which take time quadratic
// in the token's length: one 1 MiB "word" took minutes. No word is this long; splitting runs of
// more than 64 non-space characters keeps the analysis linear, and query and candidate are split
// alike, so they still compare equal. Counted in code points (`u`), so no pair is cut in half.
const LONG_RUN = /\S{64}(?=\S)/gu;

const CONTENT_POS = new Set(['NOUN', 'PROPN', 'VERB', 'ADJ', 'ADV', 'NUM']);
const KEY_POS = new Set([...CONTENT_POS, 'INTJ']);
const WORD_LIKE_POS = new Set(['NOUN', 'PROPN', 'X']);

let nlp: ReturnType<typeof winkNLP> | undefined;

function pipeline(): ReturnType<typeof winkNLP> {
  // Loading the model takes ~0.3 s; only pay it when a guard actually judges something.
  // Only POS tagging (which gives lemmas) is read: sentence boundaries, named entities and
  // negation scopes do not change a token's value, lemma, tag, type or stop-word flag, and
  // skipping them halves the time of a prompt's analysis.
  nlp ??= winkNLP(model, ['pos']);
  return nlp;
}

/** Tags `text` with wink-nlp and extracts the words, numbers, names and time words the guard compares. */
export function analyzePrompt(text: string): PromptAnalysis {
  const engine = pipeline();
  const its = engine.its;
  const all = engine.readDoc(text.replace(LONG_RUN, '$& ')).tokens();
  const values = all.out(its.value) as string[];
  // The typings omit the model addons lemma needs; the English model has them.
  // Some tokens (odd Unicode, emoji) get no lemma: fall back to the lower-case text.
  const lemmas = (all.out(its.lemma as never) as (string | undefined)[]).map((l) =>
    typeof l === 'string' ? l.toLowerCase() : undefined,
  );
  const tags = all.out(its.pos) as string[];
  const types = all.out(its.type) as string[];
  const stops = all.out(its.stopWordFlag) as unknown as boolean[];

  const tokens: AnalyzedToken[] = [];
  const contentLemmas = new Set<string>();
  const keyLemmas = new Set<string>();
  const words = new Set<string>();
  const numbers: string[] = [];
  const properNouns = new Set<string>();
  const relativeTimes = new Set<string>();
  const years = new Set<string>();
  let negations = 0;
  let sentenceStart = true;
  const segments: Set<string>[] = [new Set()];
  let hasBy = false;
  let hasBe = false;

  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    const lower = value.toLowerCase();
    const lemma = lemmas[i] ?? lower;
    const pos = tags[i] ?? 'X';
    const type = types[i] ?? 'word';
    words.add(lemma);
    words.add(lower);
    if (NEGATION_WORDS.has(lemma) || NEGATION_WORDS.has(lower)) negations++;

    const year = yearOf(lower);
    if (year !== undefined) {
      years.add(year);
    } else {
      const number = numberOf(lower, lemma, pos, type);
      if (number !== undefined) numbers.push(number);
    }

    if (RELATIVE_TIME_WORDS.has(lemma)) relativeTimes.add(lemma);
    if (CALENDAR_WORDS.has(lemma) && WORD_LIKE_POS.has(pos)) relativeTimes.add(lemma);
    const next = lemmas[i + 1];
    if (PERIOD_MODIFIERS.has(lemma) && next !== undefined && PERIOD_WORDS.has(next)) {
      relativeTimes.add(`${lemma} ${next}`);
    }

    const isProper =
      type === 'word' &&
      (pos === 'PROPN' || (!sentenceStart && /^[A-Z]/.test(value) && value !== 'I')) &&
      pos !== 'PRON' &&
      !RELATIVE_TIME_WORDS.has(lemma);
    if (type !== 'punctuation') sentenceStart = false;
    else if (/^[.!?]+$/.test(value)) sentenceStart = true;
    if (isProper) properNouns.add(lower);

    const content =
      !stops[i] &&
      (CONTENT_POS.has(pos) || isProper) &&
      (type === 'word' || type === 'number') &&
      !FILLER_WORDS.has(lemma) &&
      (lemma.length > 1 || (isProper && value !== 'I'));
    if (content) contentLemmas.add(lemma);
    if (
      content ||
      (KEY_POS.has(pos) && type === 'word' && lemma.length > 1 && !KEY_FILLER_WORDS.has(lemma))
    ) {
      keyLemmas.add(lemma);
      segments.at(-1)?.add(lemma);
    }
    if (lemma === 'by') hasBy = true;
    if (lemma === 'be' && pos === 'AUX') hasBe = true;
    if (type === 'punctuation' && SEGMENT_END.test(value) && (segments.at(-1)?.size ?? 0) > 0) {
      segments.push(new Set());
    }
    tokens.push({ value, lemma, pos, content, proper: isProper });
  }

  return {
    tokens,
    contentLemmas,
    keyLemmas,
    words,
    numbers,
    properNouns,
    negations,
    relativeTimes,
    years,
    flatText: ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `,
    segments: segments.filter((seg) => seg.size > 0),
    notation: notationOf(text),
    code: codeOf(text),
    passive: hasBy && hasBe,
    answerKinds: [...new Set(tokens.map((t) => t.lemma).filter((l) => ANSWER_KIND_WORDS.has(l)))]
      .sort()
      .join(' '),
  };
}

/** Punctuation that ends a segment: sentence ends, semicolons, colons, brackets, dashes. */
const SEGMENT_END = /^(?:[.!?;:]+|[()[\]{}]|[-–—]{1,2})$/u;

/** Compatibility forms (NFKC changes them), other-number characters and math symbols. */
const NOTATION = /[\p{No}\p{Sm}^]/u;

function notationOf(text: string): string {
  let out = '';
  for (const ch of text) {
    if (NOTATION.test(ch) || (ch.charCodeAt(0) > 0x7f && ch.normalize('NFKC') !== ch)) out += ch;
  }
  return out;
}

const FENCED = /```[\s\S]*?(?:```|$)|`[^`\n]+`/gu;
const INDENTED = /^(?: {2,}|\t)\S.*$/gmu;

function codeOf(text: string): string {
  const parts: string[] = [...(text.match(FENCED) ?? [])];
  if (text.includes('\n')) parts.push(...(text.match(INDENTED) ?? []));
  return parts.join('\n');
}

function yearOf(lower: string): string | undefined {
  if (/^(1[5-9]|20)\d\d$/.test(lower)) return lower;
  if (/^(1[5-9]|20)\d0'?s$/.test(lower)) return lower.replace("'", '');
  return undefined;
}

function numberOf(lower: string, lemma: string, pos: string, type: string): string | undefined {
  const digits = lower.replace(/,/g, '');
  const match = /^[$€£]?(\d+(?:\.\d+)?)(%|k|m|st|nd|rd|th)?$/.exec(digits);
  if (match !== null && (type === 'number' || pos === 'NUM' || match[2] !== undefined)) {
    const suffix = match[2];
    if (suffix === 'st' || suffix === 'nd' || suffix === 'rd' || suffix === 'th') {
      return `#${Number(match[1])}`;
    }
    return `${Number(match[1])}${suffix ?? ''}`;
  }
  const word = NUMBER_WORDS.get(lemma);
  if (word !== undefined && (pos === 'NUM' || lemma !== 'one')) return String(word);
  const ordinal = ORDINAL_WORDS.get(lemma);
  if (ordinal !== undefined && pos === 'ADJ') return `#${ordinal}`;
  return undefined;
}
