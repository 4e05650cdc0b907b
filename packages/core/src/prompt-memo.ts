import type { TtlRule } from './cache-options.js';
import { detectLanguage, type LanguageGuess, languageDetectorReady } from './language.js';
import { promptDigest } from './scope.js';
import { matchTtlRule } from './ttl-rules.js';
import type { ChatRequest } from './types.js';

/** What the memo knows of one normalized prompt. */
interface PromptFacts {
  /** `promptDigest` of the prompt. */
  digest: string;
  /** The TTL rule it matches (null: none); undefined until asked, or when rules read the request. */
  rule?: TtlRule | null;
  /** Its detected language; undefined until asked. */
  language?: LanguageGuess;
}

/** Prompts remembered; the oldest is forgotten first. */
const MEMO_SIZE = 1024;
/** Longer prompts are not remembered (hashing them costs little next to their length anyway). */
const MEMO_MAX_CHARS = 1024;

/**
 * The digest, TTL rule and language of recently seen normalized prompts. Both are pure functions of the
 * prompt (the rule only while every rule is a RegExp; function rules also see the request), and a
 * repeated prompt, which every exact hit is, then skips SHA-256 and the rules' regular
 * expressions: together a few microseconds of an exact hit that otherwise costs one round trip.
 * At most 1,024 prompts of at most 1,024 characters: about 2 MB at worst.
 */
export class PromptMemo {
  private readonly facts = new Map<string, PromptFacts>();
  private readonly rulesArePatterns: boolean;

  /** `rules`: the cache's TTL rules, in order. */
  constructor(private readonly rules: readonly TtlRule[]) {
    this.rulesArePatterns = rules.every((rule) => rule.match instanceof RegExp);
  }

  /** `promptDigest(prompt)`. */
  digest(prompt: string): string {
    return this.factsOf(prompt).digest;
  }

  /** The first of the cache's TTL rules that matches `prompt` of `request`, if any. */
  rule(prompt: string, request: ChatRequest): TtlRule | undefined {
    if (!this.rulesArePatterns) return matchTtlRule(this.rules, prompt, request);
    const facts = this.factsOf(prompt);
    if (facts.rule === undefined) facts.rule = matchTtlRule(this.rules, prompt, request) ?? null;
    return facts.rule ?? undefined;
  }

  /** `detectLanguage(prompt)`, or undefined while the detector is not loaded yet. */
  language(prompt: string): LanguageGuess | undefined {
    if (!languageDetectorReady()) return undefined;
    const facts = this.factsOf(prompt);
    facts.language ??= detectLanguage(prompt);
    return facts.language;
  }

  private factsOf(prompt: string): PromptFacts {
    let facts = this.facts.get(prompt);
    if (facts === undefined) {
      facts = { digest: promptDigest(prompt) };
      if (prompt.length <= MEMO_MAX_CHARS) {
        if (this.facts.size >= MEMO_SIZE) {
          this.facts.delete(this.facts.keys().next().value as string);
        }
        this.facts.set(prompt, facts);
      }
    }
    return facts;
  }
}
