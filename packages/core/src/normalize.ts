import type { NormalizationOptions } from './cache-options.js';

// C0/C1 control characters other than tab and line breaks carry no meaning for matching and break
// some backends (PostgreSQL rejects NUL in text), so they are dropped from the matching form.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu;
const LINE_BREAK = /\r\n?|[\u2028\u2029]/gu;
const TRAILING_SPACE = /[^\S\n]+$/gmu;
const EDGE_BLANK_LINES = /^(?:[^\S\n]*\n)+|\n\s*$/gu;

/**
 * The form of a prompt that keys and embeddings are computed from. Only what cannot change an
 * answer is normalized: Unicode NFC (one spelling of `é`), line endings (`\r\n`, `\r`, U+2028/9
 * become `\n`), whitespace at the end of a line, blank lines before and after the text, control
 * characters other than tab and newline, the spaces around a one-line prompt, and case when
 * `caseFold` is set. Compatibility characters (`2³`, `H₂O`, `ﬁ`, full-width letters) and
 * whitespace inside a line or at its start (indentation) stay as written: `What is 2³?` and
 * `What is 23?` are different questions, and so are two snippets indented differently. Looser
 * matching is the semantic layer's, behind the guard. The model always receives the caller's
 * original text.
 */
export function normalizePrompt(text: string, options: NormalizationOptions = {}): string {
  const out = isTidyAscii(text) ? text : normalizeFully(text);
  return options.caseFold === true ? out.toLowerCase() : out;
}

function normalizeFully(text: string): string {
  const lines = text
    .normalize('NFC')
    .replace(LINE_BREAK, '\n')
    .replace(CONTROL, '')
    .replace(TRAILING_SPACE, '')
    .replace(EDGE_BLANK_LINES, '');
  return lines.includes('\n') ? lines : lines.trim();
}

/**
 * True when `text` is already in normal form without Unicode work: printable ASCII only (NFC
 * leaves it alone, no control characters or line breaks), no space at either end. Most prompts
 * are; this spares them the passes over the text.
 */
function isTidyAscii(text: string): boolean {
  const n = text.length;
  if (n === 0 || text.charCodeAt(0) === 0x20 || text.charCodeAt(n - 1) === 0x20) return false;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

// Without the `u` flag the pattern sees UTF-16 code units, so it can find unpaired halves.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `text` holds an unpaired UTF-16 surrogate (it cannot be encoded as UTF-8). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}
