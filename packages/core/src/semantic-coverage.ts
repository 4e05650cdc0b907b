/**
 * Whether the semantic layer may judge a prompt at all: the embedder must represent it faithfully
 * (its languages, its window, its vocabulary) and the guard must be able to analyze it. A prompt
 * outside that coverage is answered by exact hits only: two prompts the model cannot tell apart
 * (one vector for every unknown word, a truncated tail) must never be served each other's answer.
 */
import type { CacheContext } from './cache-context.js';
import { coversLanguage } from './language.js';

/**
 * Characters per token assumed for an embedder that declares no `inspect`: English averages ~4;
 * a text longer than 4 × `maxTokens` characters surely overflows the window.
 */
const CHARS_PER_TOKEN = 4;
/** Window assumed for an embedder that declares no coverage. */
const DEFAULT_MAX_TOKENS = 512;

/** Why `prompt` gets no semantic lookup or vector, or undefined when it may. */
export function semanticSkipReason(ctx: CacheContext, prompt: string): string | undefined {
  const c = ctx.config;
  const languages = c.semanticLanguages;
  if (languages !== '*') {
    const guess = ctx.prompts.language(prompt);
    if (guess === undefined) return 'the language detector has not loaded';
    if (guess.language === undefined) {
      return 'the prompt has no words, only digits, symbols or emoji: exact hits only';
    }
    if (!coversLanguage(languages, guess)) {
      return `the prompt's language (${guess.language}) is not one the embedder and the guard cover (${languages.join(', ')}): exact hits only`;
    }
  }
  const embedder = c.embedder;
  if (embedder === undefined) return undefined;
  if (embedder.inspect !== undefined) {
    let problem: string | undefined;
    try {
      problem = embedder.inspect(prompt);
    } catch (error) {
      problem = `its inspect() failed (${error instanceof Error ? error.message : String(error)})`;
    }
    return problem === undefined
      ? undefined
      : `the embedder cannot represent the prompt faithfully: ${problem}`;
  }
  const maxTokens = embedder.coverage?.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (prompt.length > CHARS_PER_TOKEN * maxTokens) {
    return `the prompt (${prompt.length} characters) is longer than the embedder's window of ${maxTokens} tokens: exact hits only`;
  }
  return undefined;
}

/**
 * `semanticSkipReason`, worked out once per request. A cache without embedder or vector store
 * has no semantic layer to skip: it reads no language and asks no `inspect`.
 */
export function semanticSkipOf(
  ctx: CacheContext,
  p: { prompt: string; semanticSkip?: string; semanticChecked?: boolean },
): string | undefined {
  if (ctx.batcher === undefined || ctx.config.vectorStore === undefined) return p.semanticSkip;
  if (p.semanticChecked !== true) {
    p.semanticChecked = true;
    p.semanticSkip ??= semanticSkipReason(ctx, p.prompt);
  }
  return p.semanticSkip;
}
