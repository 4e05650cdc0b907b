import { errorText } from './unit-vector.js';

/**
 * A text longer than `maxTokens` times this many characters is too long without tokenizing it,
 * which bounds the work of `inspect` whatever the text's length. English runs at 3 to 6
 * characters a token, so such a text is in practice far beyond the window. Only text made of
 * the longest pieces (16 characters in USE-lite's vocabulary, 18 in MiniLM's), of words MiniLM
 * maps whole to `[UNK]` (up to 100 characters) or of long whitespace could still fit; it is
 * reported all the same, which errs on the safe side (no semantic hit).
 */
export const CHARS_PER_TOKEN_BOUND = 16;

/** How a model's tokenizer sees a text. */
export interface TokenCount {
  /** Tokens the model is fed before it truncates, special tokens included. */
  readonly tokens: number;
  /** Units checked against the vocabulary: word pieces or characters (see `unit`). */
  readonly checked: number;
  /** How many of the `checked` units the vocabulary does not know. */
  readonly unknown: number;
  /** What `checked` counts, for the reason's wording. */
  readonly unit: string;
}

/** Counts the tokens of a text with a model's own tokenizer. */
export type TokenCounter = (text: string) => TokenCount;

/**
 * Why a model with a window of `maxTokens` tokens cannot represent `text` faithfully, or
 * undefined when it can: the text is longer than the window, holds no letter or digit (only
 * symbols, punctuation or emoji), or more than half of its units are unknown to the vocabulary.
 * `counter` (obtained on demand, so the tokenizer loads lazily) only ever sees texts of at most
 * `maxTokens * CHARS_PER_TOKEN_BOUND` characters. Never throws: a tokenizer failure is a reason.
 */
export function inspectText(
  text: string,
  maxTokens: number,
  counter: () => TokenCounter,
): string | undefined {
  if (typeof text !== 'string') return `not a string (${typeof text})`;
  const maxChars = maxTokens * CHARS_PER_TOKEN_BOUND;
  if (text.length > maxChars) {
    return `longer than the model's window of ${maxTokens} tokens: ${text.length} characters, over the ${maxChars} that many tokens can hold`;
  }
  if (!/[\p{L}\p{N}]/u.test(text)) {
    return 'no letter or digit (only symbols, punctuation or emoji), which the model cannot tell apart';
  }
  let count: TokenCount;
  try {
    count = counter()(text);
  } catch (cause) {
    return `the model's tokenizer could not read the text (${errorText(cause)})`;
  }
  if (count.tokens > maxTokens) {
    return `longer than the model's window: ${count.tokens} tokens, over its ${maxTokens}; the model would drop the rest`;
  }
  if (count.unknown * 2 > count.checked) {
    return `mostly unknown to the model's vocabulary: ${count.unknown} of ${count.checked} ${count.unit}`;
  }
  return undefined;
}
