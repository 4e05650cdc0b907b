import type { TtlRule } from './cache-options.js';
import { InvalidOptionError } from './errors.js';
import { languagesProblem } from './language.js';
import type { ChatRequest } from './types.js';

/** One minute, in ms. */
export const MINUTE_MS = 60_000;
/** One hour, in ms. */
export const HOUR_MS = 60 * MINUTE_MS;
/** One day, in ms. */
export const DAY_MS = 24 * HOUR_MS;
/** Default TTL for general-knowledge prompts: 24 hours. */
export const DEFAULT_TTL_MS = DAY_MS;
/** Default maximum age of an entry under a sliding TTL: 7 days. */
export const DEFAULT_MAX_AGE_MS = 7 * DAY_MS;
/** Largest TTL (and maximum age) accepted anywhere: 365 days. */
export const MAX_TTL_MS = 365 * DAY_MS;
/** TTL of the default `realtime` rule: 5 minutes. */
export const REALTIME_TTL_MS = 5 * MINUTE_MS;

const PERSONAL_NOUNS = [
  'name',
  'age',
  'birthday',
  'account',
  'accounts',
  'password',
  'passport',
  'pin',
  'login',
  'username',
  'order',
  'orders',
  'email',
  'e-mail',
  'emails',
  'inbox',
  'messages',
  'address',
  'phone',
  'number',
  'balance',
  'bank',
  'card',
  'credit',
  'loan',
  'mortgage',
  'salary',
  'payslip',
  'tax',
  'taxes',
  'insurance',
  'medical',
  'health',
  'diagnosis',
  'prescription',
  'medication',
  'symptoms',
  'doctor',
  'test results',
  'calendar',
  'schedule',
  'appointment',
  'appointments',
  'files',
  'documents',
  'boss',
  'wife',
  'husband',
  'partner',
  'girlfriend',
  'boyfriend',
  'child',
  'children',
  'kids',
  'son',
  'daughter',
  'mother',
  'mom',
  'father',
  'dad',
  'family',
  'friend',
  'friends',
];

/**
 * Prompts about the asker's own data: "my account", "my diagnosis", "our bank balance", plus
 * prompts that carry an e-mail address, a phone number (`+` prefixed or `555-123-4567` style) or
 * a card-like number (four groups of four digits).
 */
export const PERSONAL_PATTERN = new RegExp(
  [
    `\\b(?:my|our)\\s+(?:own\\s+|current\\s+|last\\s+)?(?:${PERSONAL_NOUNS.join('|')})\\b`,
    "\\b(?:who am i|what(?:'s| is) my)\\b",
    '[\\w.+-]+@[\\w-]+\\.[\\w.-]+',
    '\\+\\d[\\d ()-]{7,}\\d',
    '\\(?\\b\\d{3}\\)?[ .-]\\d{3}[ .-]\\d{4}\\b',
    '\\b(?:\\d{4}[ -]){3}\\d{4}\\b',
  ].join('|'),
  'iu',
);

/**
 * Prompts whose right answer changes within minutes: weather, markets, news, scores, and
 * anything anchored to "today", "now", "current" or "latest".
 */
export const REALTIME_PATTERN = new RegExp(
  [
    '\\b(?:weather|forecast|temperature outside|rain(?:ing)? (?:today|now|tomorrow))\\b',
    '\\b(?:stock|stocks|share|shares|bitcoin|btc|ethereum|crypto|gold|oil)\\s+(?:price|prices|quote|value)\\b',
    '\\b(?:stock market|exchange rate|market cap|nasdaq|dow jones|s&p 500)\\b',
    '\\b(?:news|headlines|breaking|live score|latest score|traffic)\\b',
    '\\b(?:today|tonight|tomorrow|yesterday|right now|now|currently|current|latest|this (?:week|month|morning|afternoon|evening|year))\\b',
  ].join('|'),
  'iu',
);

/**
 * The default rules, tried in order (the first match decides):
 * - `personal` → never cached (the asker's own data must not outlive the request);
 * - `realtime` → 5 minutes (weather, prices, news, "today", "now", "current", "latest");
 * - anything else (general knowledge) → the cache's `ttlMs`, 24 hours by default.
 * Both patterns are English: a prompt in another language gets `unknownLanguageTtlMs` (by
 * default it is not cached, since nothing could tell whether it is personal).
 * Pass `ttlRules: []` to turn them off, or your own list to replace them.
 */
export const DEFAULT_TTL_RULES: readonly TtlRule[] = Object.freeze([
  { name: 'personal', match: PERSONAL_PATTERN, ttlMs: 'no-store', languages: ['en'] },
  { name: 'realtime', match: REALTIME_PATTERN, ttlMs: REALTIME_TTL_MS, languages: ['en'] },
]);

/**
 * Copies of the default patterns without the `u` flag, used on ASCII-only prompts. On ASCII
 * text `/iu` and `/i` match alike (the patterns are ASCII; only `ſ` U+017F and the Kelvin sign
 * U+212A fold into ASCII letters under `/iu`, and they are not ASCII), and `/i` runs about five
 * times faster: these patterns are tried on every request.
 */
const ASCII_TWINS = new Map<RegExp, RegExp>([
  [PERSONAL_PATTERN, new RegExp(PERSONAL_PATTERN.source, 'i')],
  [REALTIME_PATTERN, new RegExp(REALTIME_PATTERN.source, 'i')],
]);

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The first rule matching the normalized `prompt` of `request`, if any. */
export function matchTtlRule(
  rules: readonly TtlRule[],
  prompt: string,
  request: ChatRequest,
): TtlRule | undefined {
  let ascii: boolean | undefined;
  for (const rule of rules) {
    if (rule.match instanceof RegExp) {
      rule.match.lastIndex = 0;
      const twin = ASCII_TWINS.get(rule.match);
      const pattern = twin !== undefined && (ascii ??= isAscii(prompt)) ? twin : rule.match;
      if (pattern.test(prompt)) return rule;
    } else if (rule.match(prompt, request)) {
      return rule;
    }
  }
  return undefined;
}

/**
 * Throws `InvalidOptionError` unless `value` is a whole number of milliseconds in
 * [1, MAX_TTL_MS]; `what` names the option in the message.
 */
export function assertValidTtl(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TTL_MS) {
    throw new InvalidOptionError(
      `${what} must be a whole number of milliseconds between 1 and ${MAX_TTL_MS} (365 days), got ${String(value)}. ` +
        'Use bypass or noStore (or a no-store rule) to not cache, rather than a zero or negative TTL.',
    );
  }
}

/** Throws `InvalidOptionError` when a rule list is malformed. */
export function assertValidTtlRules(rules: unknown): asserts rules is readonly TtlRule[] {
  if (!Array.isArray(rules)) {
    throw new InvalidOptionError('ttlRules must be an array of { name, match, ttlMs } rules.');
  }
  rules.forEach((rule: unknown, i) => {
    const r = rule as Partial<TtlRule> | null;
    if (r === null || typeof r !== 'object' || typeof r.name !== 'string' || r.name === '') {
      throw new InvalidOptionError(`ttlRules[${i}] needs a non-empty string name.`);
    }
    if (!(r.match instanceof RegExp) && typeof r.match !== 'function') {
      throw new InvalidOptionError(
        `ttlRules[${i}] (${r.name}): match must be a RegExp or a function (prompt, request) => boolean.`,
      );
    }
    if (r.ttlMs !== 'no-store') assertValidTtl(r.ttlMs, `ttlRules[${i}] (${r.name}).ttlMs`);
    if (r.languages !== undefined) {
      const problem = Array.isArray(r.languages)
        ? languagesProblem(r.languages)
        : `must be a list of ISO 639-1 codes (omit it for any language), got ${JSON.stringify(r.languages)?.slice(0, 40)}`;
      if (problem !== undefined) {
        throw new InvalidOptionError(`ttlRules[${i}] (${r.name}).languages ${problem}.`);
      }
    }
  });
}
