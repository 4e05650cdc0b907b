import type { CacheResult, RequestOptions, TokenUsage } from '@cache/core';
import type { ServiceContext } from './context.js';

/**
 * What `x-cache` says about an answer: `exact` / `semantic` hits, `miss` (the model answered
 * and the answer was stored), `shared` (the answer of an identical request already in flight:
 * one model call for both), `refresh` (`cache-control: no-cache`: the model answered and the
 * entry was replaced), `bypass` (not cached; `x-cache-reason` says why).
 */
export type Served = 'exact' | 'semantic' | 'miss' | 'shared' | 'refresh' | 'bypass';

/** Every header the service adds, exposed to browsers when CORS is on. */
export const CACHE_HEADERS = [
  'x-cache',
  'x-cache-key',
  'x-cache-scope',
  'x-cache-similarity',
  'x-cache-reason',
  'x-cache-exact-only',
  'x-cache-original-usage',
];

/** The `x-cache` value of an answer from `source`. */
export function servedAs(
  source: CacheResult['source'],
  shared: boolean,
  options: RequestOptions,
): Served {
  if (source !== 'model') return source;
  if (shared) return 'shared';
  return options.refresh === true ? 'refresh' : 'miss';
}

/** A header-safe version of a reason: printable ASCII, at most 200 characters. */
export function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/**
 * The `x-cache*` headers of an answer: the source, the served entry's key and scope, the
 * similarity of a semantic hit, why the request bypassed or only hits exactly, and for answers
 * that report zero tokens the original usage (`x-cache-original-usage`, JSON).
 */
export function cacheHeaders(
  served: Served,
  result: Pick<
    CacheResult,
    'key' | 'matchedKey' | 'similarity' | 'semanticSkip' | 'reason' | 'scope'
  >,
  usage: TokenUsage | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { 'x-cache': served };
  if (result.scope) headers['x-cache-scope'] = result.scope;
  if (served === 'semantic' && result.similarity !== undefined) {
    headers['x-cache-similarity'] = result.similarity.toFixed(4);
  }
  const key = result.matchedKey ?? result.key;
  if (served !== 'bypass' && key) headers['x-cache-key'] = key;
  if (served === 'bypass' && result.reason) headers['x-cache-reason'] = headerText(result.reason);
  if (result.semanticSkip) headers['x-cache-exact-only'] = headerText(result.semanticSkip);
  if ((served === 'exact' || served === 'semantic' || served === 'shared') && usage) {
    headers['x-cache-original-usage'] = JSON.stringify({
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.totalTokens,
    });
  }
  return headers;
}

/** Answers that cost nothing: they report zero tokens (the original counts are in a header). */
export function isFree(served: Served): boolean {
  return served === 'exact' || served === 'semantic' || served === 'shared';
}

/** Remembers which entry answered completion `id`, for `POST /cache/feedback`. */
export function rememberServed(ctx: ServiceContext, id: string, result: CacheResult): void {
  const served = result.matchedKey ?? result.key;
  if (served && (result.source === 'exact' || result.source === 'semantic')) {
    ctx.served.remember(id, served);
  }
}
