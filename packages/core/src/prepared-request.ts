/**
 * Request preparation: validation, normalization, scoping and policy (bypass, temperature
 * limit, TTL rules, `noStore`) turn a request into the `Prepared` record every step works on.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedCacheConfig } from './cache-config.js';
import type { RequestOptions } from './cache-options.js';
import type { RejectedCandidate, StepTimings } from './cache-result.js';
import { InvalidRequestError } from './errors.js';
import { coversLanguage } from './language.js';
import { normalizePrompt } from './normalize.js';
import type { PromptMemo } from './prompt-memo.js';
import { scopeOf } from './scope.js';
import type { ChatRequest } from './types.js';
import { sanitizeMetadata, validateRequest, validateRequestOptions } from './validate.js';

/** A request after validation, normalization, scoping and policy. */
export interface Prepared {
  /** The request as given. */
  request: ChatRequest;
  /** Validated request options. */
  options: RequestOptions;
  /** Normalized prompt. */
  prompt: string;
  /** Scope hash. */
  scope: string;
  /** Entry key. */
  key: string;
  /** Policy allows looking up and storing. */
  cacheable: boolean;
  /** Policy allows storing and the caller did not say noStore. */
  store: boolean;
  /** TTL of a stored answer. */
  ttlMs: number;
  /** Name of the TTL rule that matched. */
  category?: string;
  /** Why the request is not cached or stored. */
  reason?: string;
  /** Sanitized metadata to store with the entry. */
  metadata?: Record<string, string>;
  /** `performance.now()` when preparation began. */
  started: number;
  /** Time spent per step. */
  timings: StepTimings;
  /** Steps that failed and were absorbed. */
  failures: string[];
  /** Semantic candidates that were not served. */
  rejected: RejectedCandidate[];
  /** True once the prompt went to the guard's `prepare` (the lookup did it; storing need not). */
  guardPrepared?: boolean;
  /**
   * Why the request may hit only exactly, never semantically: set here for tools, a tool turn or a
   * structured response format, and by `semantic-coverage.ts` for prompts the embedder or the guard
   * does not cover. Absent when a paraphrase's answer may serve it.
   */
  semanticSkip?: string;
  /** True once `semanticSkip` was worked out. */
  semanticChecked?: boolean;
}

/** Nothing a reader could see: empty, or only format characters (zero-width space, joiners, bidi marks) and whitespace. */
const INVISIBLE_ONLY = /^[\p{Cf}\s]*$/u;

/**
 * Validates a request and its options and applies the cache's policy; throws typed errors on bad
 * input. `prompts` remembers digests and TTL rules of recent prompts.
 */
export function prepareRequest(
  c: ResolvedCacheConfig,
  prompts: PromptMemo,
  request: ChatRequest,
  rawOptions: RequestOptions | undefined,
): Prepared {
  const started = performance.now();
  const raw = validateRequest(request, c.maxPromptBytes);
  const options = validateRequestOptions(rawOptions);
  options.signal?.throwIfAborted();
  const metadata = options.metadata === undefined ? undefined : sanitizeMetadata(options.metadata);
  const prompt = normalizePrompt(raw, { caseFold: c.caseFold });
  const lastRole = request.messages.at(-1)?.role;
  if (lastRole === 'user' && INVISIBLE_ONLY.test(prompt)) {
    throw new InvalidRequestError(
      'the prompt (last user message) holds only control characters, invisible formatting characters (such as zero-width spaces) or whitespace; send the question to answer.',
    );
  }
  const scope = scopeOf(request, {
    version: c.version,
    namespace: options.namespace ?? c.namespace,
    tenant: options.tenant,
  });
  const key = `${scope}:${prompts.digest(prompt)}`;
  let cacheable = true;
  let reason: string | undefined;
  let category: string | undefined;
  let ttlMs = options.ttlMs ?? c.ttlMs;
  if (options.bypass === true) {
    cacheable = false;
    reason = 'bypass requested';
  } else if (lastRole !== 'user') {
    cacheable = false;
    reason = `the last message is a ${lastRole} message, not a user prompt: answered, never cached`;
  } else if (request.temperature !== undefined && request.temperature > c.temperatureLimit) {
    cacheable = false;
    reason = `temperature ${request.temperature} is above the cache's limit of ${c.temperatureLimit}`;
  } else {
    const rule = prompts.rule(prompt, request);
    if (rule !== undefined) {
      category = rule.name;
      if (rule.ttlMs === 'no-store') {
        cacheable = false;
        reason = `rule "${rule.name}" says not to cache this prompt`;
      } else {
        ttlMs = options.ttlMs ?? rule.ttlMs;
      }
    } else if (c.ruleLanguages !== '*') {
      // Words the rules cannot read might be personal or time-sensitive: the conservative policy.
      // A prompt without words has none to read. Only `keyOf`, which reports no policy, can get
      // here before the detector has loaded (no guess): taken as not understood.
      const guess = prompts.language(prompt);
      const understood =
        guess !== undefined &&
        (guess.language === undefined || coversLanguage(c.ruleLanguages, guess));
      if (!understood) {
        category = 'unknown-language';
        if (c.unknownLanguageTtlMs === 'no-store') {
          cacheable = false;
          reason = `the prompt's language (${guess?.language ?? 'not detected yet'}) is not one the TTL rules understand (${c.ruleLanguages.join(', ')}), so it is not cached; set unknownLanguageTtlMs to cache such prompts`;
        } else {
          ttlMs = options.ttlMs ?? c.unknownLanguageTtlMs;
        }
      }
    }
  }
  const store = cacheable && options.noStore !== true;
  if (cacheable && !store) reason = 'noStore was set';
  return {
    request,
    options,
    prompt,
    scope,
    key,
    cacheable,
    store,
    ttlMs,
    category,
    reason,
    semanticSkip: structuredRequestSkip(request),
    metadata,
    started,
    timings: { policyMs: performance.now() - started, totalMs: 0 },
    failures: [],
    rejected: [],
  };
}

/**
 * Why `request` may only hit exactly (its answer may be a tool call or structured data tied to
 * the exact wording), or undefined when a semantic hit may serve it.
 */
export function structuredRequestSkip(request: ChatRequest): string | undefined {
  if (Array.isArray(request.tools) ? request.tools.length > 0 : request.tools !== undefined) {
    return 'the request has tools';
  }
  if (request.toolChoice !== undefined) return 'the request has a tool choice';
  const format = request.responseFormat as { type?: unknown } | undefined;
  if (format !== undefined && format?.type !== 'text') {
    return 'the request asks for a structured response format';
  }
  for (const m of request.messages) {
    if (m.role === 'tool' || (m.toolCalls !== undefined && m.toolCalls.length > 0)) {
      return 'the conversation holds tool calls or results';
    }
  }
  return undefined;
}

/** Records the request's total time so far. */
export function markDone(p: Prepared): void {
  p.timings.totalMs = performance.now() - p.started;
}
