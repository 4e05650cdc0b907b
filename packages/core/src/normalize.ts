import type { NormalizationOptions } from './cache-options.js';

// C0/C1 control characters other than whitespace carry no meaning for matching and break some
// backends (PostgreSQL rejects NUL in text), so they are dropped from the matching form.
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/gu;
const WHITESPACE = /\s+/gu;

/**
 * The form of a prompt that keys and embeddings are computed from: Unicode NFKC, control
 * characters removed, runs of whitespace collapsed to one space, trimmed, and lower-cased when
 * `caseFold` is set. The model always receives the caller's original text.
 */
export function normalizePrompt(text: string, options: NormalizationOptions = {}): string {
  const out = isTidyAscii(text)
    ? text
    : text.normalize('NFKC').replace(CONTROL, '').replace(WHITESPACE, ' ').trim();
  return options.caseFold === true ? out.toLowerCase() : out;
}

/**
 * True when `text` is already in normal form without Unicode work: printable ASCII only (NFKC
 * leaves it alone, no control characters), single spaces between words, none at either end.
 * Most prompts are; this spares them three passes over the text.
 */
function isTidyAscii(text: string): boolean {
  if (text.length === 0 || text.charCodeAt(0) === 0x20) return false;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || (code === 0x20 && previous === 0x20)) return false;
    previous = code;
  }
  return previous !== 0x20;
}

// Without the `u` flag the pattern sees UTF-16 code units, so it can find unpaired halves.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` holds an unpaired UTF-16 surrogate (it cannot be encoded as UTF-8). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}
