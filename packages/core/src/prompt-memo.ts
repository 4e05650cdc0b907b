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
/** Bytes the memo may hold (UTF-16 prompts plus a fixed overhead per fact): 2 MiB. */
const MEMO_MAX_BYTES = 2 * 1024 * 1024;
/** Overhead of one remembered prompt: the map slot, the facts object and its digest string. */
const FACT_OVERHEAD_BYTES = 200;

/**
 * The digest, TTL rule and language of recently seen normalized prompts. Both are pure functions of the
 * prompt (the rule only while every rule is a RegExp; function rules also see the request), and a
 * repeated prompt, which every exact hit is, then skips SHA-256 and the rules' regular
 * expressions: together a few microseconds of an exact hit that otherwise costs one round trip.
 * At most 1,024 prompts of at most 1,024 characters, and at most 2 MiB counted in bytes.
 */
export class PromptMemo {
  private readonly facts = new Map<string, PromptFacts>();
  private bytes = 0;
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

  /** Prompts remembered and their estimated bytes (for tests and benches). */
  get held(): { prompts: number; bytes: number } {
    return { prompts: this.facts.size, bytes: this.bytes };
  }

  private factsOf(prompt: string): PromptFacts {
    let facts = this.facts.get(prompt);
    if (facts === undefined) {
      facts = { digest: promptDigest(prompt) };
      if (prompt.length <= MEMO_MAX_CHARS) {
        const size = sizeOf(prompt);
        while (
          this.facts.size > 0 &&
          (this.facts.size >= MEMO_SIZE || this.bytes + size > MEMO_MAX_BYTES)
        ) {
          const oldest = this.facts.keys().next().value as string;
          this.facts.delete(oldest);
          this.bytes -= sizeOf(oldest);
        }
        this.facts.set(prompt, facts);
        this.bytes += size;
      }
    }
    return facts;
  }
}

function sizeOf(prompt: string): number {
  return 2 * prompt.length + FACT_OVERHEAD_BYTES;
}
