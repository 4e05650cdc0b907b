import type { FailMode, SemanticCacheOptions, TtlRule } from './cache-options.js';
import {
  type CircuitBreakerOptions,
  DEFAULT_CIRCUIT_FAILURES,
  DEFAULT_CIRCUIT_HALF_OPEN_MS,
} from './circuit-breaker.js';
import { DEFAULT_EMBEDDING_CACHE_BYTES } from './embedding-batcher.js';
import { DimensionMismatchError, InvalidOptionError } from './errors.js';
import { createDefaultGuard, operatingPointFor } from './guard/index.js';
import { CandidateJudge } from './judge/candidate-judge.js';
import { resolveJudgeOptions } from './judge/judge-options.js';
import { commonLanguages, type Languages, languagesProblem } from './language.js';
import {
  assertValidTtl,
  assertValidTtlRules,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_TTL_MS,
  DEFAULT_TTL_RULES,
} from './ttl-rules.js';
import type { ChatModel, Embedder, ExactStore, HitGuard, VectorStore } from './types.js';
import {
  assertKnownKeys,
  assertPlainObject,
  DEFAULT_MAX_PROMPT_BYTES,
  describe,
} from './validate.js';

/** Keys of `SemanticCacheOptions`. */
export const CACHE_OPTION_KEYS: readonly string[] = [
  'exactStore',
  'vectorStore',
  'embedder',
  'model',
  'guard',
  'judge',
  'namespace',
  'version',
  'minSimilarity',
  'k',
  'ttlMs',
  'slidingTtl',
  'maxAgeMs',
  'normalization',
  'temperatureLimit',
  'ttlRules',
  'unknownLanguageTtlMs',
  'semanticLanguages',
  'failMode',
  'timeouts',
  'cost',
  'maxPromptBytes',
  'embeddingCacheSize',
  'embeddingCacheBytes',
  'circuitBreaker',
  'maxEmbedBatch',
  'onLookup',
  'onHookError',
  'onError',
  'now',
];

/** Default cosine similarity a semantic candidate must reach. */
export const DEFAULT_MIN_SIMILARITY = 0.9;
/** Default number of semantic candidates per lookup. */
export const DEFAULT_K = 5;
/** Default temperature above which requests are not cached. */
export const DEFAULT_TEMPERATURE_LIMIT = 0.8;
/** Default per-step timeouts, ms. */
export const DEFAULT_TIMEOUTS = { exactStoreMs: 1000, vectorStoreMs: 2000, embedderMs: 10_000 };

/** `SemanticCacheOptions` checked and with every default filled in. */
export interface ResolvedCacheConfig {
  exactStore: ExactStore;
  vectorStore?: VectorStore;
  embedder?: Embedder;
  model?: ChatModel;
  guard?: HitGuard;
  /** The judge of the guard's uncertain band, with its verdict memory and budget. */
  judge?: CandidateJudge;
  namespace: string;
  version: string;
  minSimilarity: number;
  k: number;
  ttlMs: number;
  slidingTtl: boolean;
  maxAgeMs: number;
  caseFold: boolean;
  temperatureLimit: number;
  ttlRules: readonly TtlRule[];
  /** Languages some TTL rule understands (`'*'` when a rule reads any, or there are none). */
  ruleLanguages: Languages;
  unknownLanguageTtlMs: number | 'no-store';
  /** Languages whose prompts the semantic layer serves. */
  semanticLanguages: Languages;
  /** True when a decision needs the language detector (see `language.ts`). */
  needsLanguage: boolean;
  failMode: FailMode;
  timeouts: { exactStoreMs: number; vectorStoreMs: number; embedderMs: number; modelMs?: number };
  promptTokenCost: number;
  completionTokenCost: number;
  maxPromptBytes: number;
  embeddingCacheSize: number;
  embeddingCacheBytes: number;
  circuitBreaker: CircuitBreakerOptions | false;
  maxEmbedBatch: number;
  onLookup?: SemanticCacheOptions['onLookup'];
  onHookError: (error: unknown) => void;
  onError?: SemanticCacheOptions['onError'];
  now: () => number;
}

/** Checks constructor options and fills in defaults; throws `InvalidOptionError` naming the problem. */
export function resolveCacheConfig(options: SemanticCacheOptions): ResolvedCacheConfig {
  assertPlainObject(options, 'SemanticCache options');
  assertKnownKeys(options, CACHE_OPTION_KEYS, 'SemanticCache options');
  const o = options;
  assertHas(o.exactStore, ['get', 'set', 'delete', 'clear', 'close'], 'exactStore', true);
  assertHas(o.vectorStore, ['upsert', 'search', 'delete', 'clear', 'close'], 'vectorStore');
  assertHas(o.embedder, ['embed'], 'embedder');
  assertHas(o.model, ['complete'], 'model');
  assertHas(o.guard, ['judge'], 'guard');
  if ((o.vectorStore === undefined) !== (o.embedder === undefined)) {
    throw new InvalidOptionError(
      'SemanticCache: pass both vectorStore and embedder for semantic hits, or neither for an exact-only cache.',
    );
  }
  if (o.vectorStore !== undefined && o.embedder !== undefined) {
    if (o.vectorStore.dimension !== o.embedder.dimension) {
      throw new DimensionMismatchError(
        o.vectorStore.dimension,
        o.embedder.dimension,
        `SemanticCache: embedder ${o.embedder.id} vs vector store ${o.vectorStore.name}`,
      );
    }
  }
  const str = (v: unknown, name: string, fallback: string): string => {
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v === '' || v.length > 1024) {
      throw new InvalidOptionError(`${name} must be a non-empty string, got ${describe(v)}.`);
    }
    return v;
  };
  const num: NumberOption = (v, name, fallback, min, max, integer) => {
    if (v === undefined) return fallback;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      throw new InvalidOptionError(
        `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${describe(v)}.`,
      );
    }
    return v;
  };
  const fn = <T>(v: T | undefined, name: string): T | undefined => {
    if (v !== undefined && typeof v !== 'function') {
      throw new InvalidOptionError(`${name} must be a function, got ${describe(v)}.`);
    }
    return v;
  };
  if (o.ttlMs !== undefined) assertValidTtl(o.ttlMs, 'ttlMs');
  if (o.maxAgeMs !== undefined) assertValidTtl(o.maxAgeMs, 'maxAgeMs');
  const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
  const maxAgeMs = o.maxAgeMs ?? Math.max(DEFAULT_MAX_AGE_MS, ttlMs);
  if (maxAgeMs < ttlMs) {
    throw new InvalidOptionError(`maxAgeMs (${maxAgeMs}) must be at least ttlMs (${ttlMs}).`);
  }
  if (o.slidingTtl !== undefined && typeof o.slidingTtl !== 'boolean') {
    throw new InvalidOptionError(`slidingTtl must be a boolean, got ${describe(o.slidingTtl)}.`);
  }
  if (o.failMode !== undefined && o.failMode !== 'open' && o.failMode !== 'closed') {
    throw new InvalidOptionError(
      `failMode must be 'open' or 'closed', got ${describe(o.failMode)}.`,
    );
  }
  if (o.normalization !== undefined) {
    assertPlainObject(o.normalization, 'normalization');
    assertKnownKeys(o.normalization, ['caseFold'], 'normalization');
    if (o.normalization.caseFold !== undefined && typeof o.normalization.caseFold !== 'boolean') {
      throw new InvalidOptionError('normalization.caseFold must be a boolean.');
    }
  }
  const timeouts = { ...DEFAULT_TIMEOUTS } as ResolvedCacheConfig['timeouts'];
  if (o.timeouts !== undefined) {
    assertPlainObject(o.timeouts, 'timeouts');
    const keys = ['exactStoreMs', 'vectorStoreMs', 'embedderMs', 'modelMs'] as const;
    assertKnownKeys(o.timeouts, keys, 'timeouts');
    for (const key of keys) {
      const v = o.timeouts[key];
      if (v !== undefined) timeouts[key] = num(v, `timeouts.${key}`, 0, 1, 3_600_000, true);
    }
  }
  if (o.cost !== undefined) {
    assertPlainObject(o.cost, 'cost');
    assertKnownKeys(o.cost, ['promptTokenCost', 'completionTokenCost'], 'cost');
  }
  const ttlRules = o.ttlRules ?? DEFAULT_TTL_RULES;
  const minSimilarity = num(
    o.minSimilarity,
    'minSimilarity',
    o.guard === undefined && o.embedder !== undefined
      ? operatingPointFor(String(o.embedder.id)).minSimilarity
      : DEFAULT_MIN_SIMILARITY,
    -1,
    1,
    false,
  );
  assertValidTtlRules(ttlRules);
  // No guard given: the answer-quality guard at the embedder's calibrated operating point,
  // with the caller's minSimilarity as its floor when one was given.
  const guard =
    o.guard ??
    (o.embedder === undefined
      ? undefined
      : createDefaultGuard(
          String(o.embedder.id),
          o.minSimilarity === undefined ? {} : { minSimilarity },
        ));
  const languages = resolveLanguages(o, ttlRules, guard);
  const now = fn(o.now, 'now') ?? Date.now;
  return {
    exactStore: o.exactStore,
    vectorStore: o.vectorStore,
    embedder: o.embedder,
    model: o.model,
    guard,
    judge:
      o.judge === undefined
        ? undefined
        : new CandidateJudge(resolveJudgeOptions(o.judge, o.embedder !== undefined), now),
    ...languages,
    namespace: str(o.namespace, 'namespace', 'default'),
    version: str(o.version, 'version', '1'),
    minSimilarity,
    k: num(o.k, 'k', DEFAULT_K, 1, 100, true),
    ttlMs,
    slidingTtl: o.slidingTtl ?? false,
    maxAgeMs,
    caseFold: o.normalization?.caseFold ?? false,
    temperatureLimit: num(
      o.temperatureLimit,
      'temperatureLimit',
      DEFAULT_TEMPERATURE_LIMIT,
      0,
      2,
      false,
    ),
    ttlRules: [...ttlRules],
    failMode: o.failMode ?? 'open',
    timeouts,
    promptTokenCost: num(o.cost?.promptTokenCost, 'cost.promptTokenCost', 0, 0, 1e6, false),
    completionTokenCost: num(
      o.cost?.completionTokenCost,
      'cost.completionTokenCost',
      0,
      0,
      1e6,
      false,
    ),
    maxPromptBytes: num(
      o.maxPromptBytes,
      'maxPromptBytes',
      DEFAULT_MAX_PROMPT_BYTES,
      1,
      64 * 1024 * 1024,
      true,
    ),
    embeddingCacheSize: num(
      o.embeddingCacheSize,
      'embeddingCacheSize',
      10_000,
      0,
      10_000_000,
      true,
    ),
    embeddingCacheBytes: num(
      o.embeddingCacheBytes,
      'embeddingCacheBytes',
      DEFAULT_EMBEDDING_CACHE_BYTES,
      1,
      Number.MAX_SAFE_INTEGER,
      true,
    ),
    circuitBreaker: resolveCircuitBreaker(o.circuitBreaker, num),
    maxEmbedBatch: num(o.maxEmbedBatch, 'maxEmbedBatch', 64, 1, 4096, true),
    onLookup: fn(o.onLookup, 'onLookup'),
    onHookError:
      fn(o.onHookError, 'onHookError') ??
      ((error) => console.error('SemanticCache onLookup hook failed:', error)),
    onError: fn(o.onError, 'onError'),
    now,
  };
}

function resolveLanguages(
  o: SemanticCacheOptions,
  ttlRules: readonly TtlRule[],
  guard: HitGuard | undefined,
): Pick<
  ResolvedCacheConfig,
  'ruleLanguages' | 'unknownLanguageTtlMs' | 'semanticLanguages' | 'needsLanguage'
> {
  const unknown = o.unknownLanguageTtlMs ?? 'no-store';
  if (unknown !== 'no-store') assertValidTtl(unknown, 'unknownLanguageTtlMs');
  for (const [name, value] of [
    ['semanticLanguages', o.semanticLanguages],
    ['guard.languages', guard?.languages],
    ['embedder.coverage.languages', o.embedder?.coverage?.languages],
  ] as const) {
    const problem = value === undefined ? undefined : languagesProblem(value);
    if (problem !== undefined) throw new InvalidOptionError(`${name} ${problem}.`);
  }
  const ruleLanguages: Languages =
    ttlRules.length === 0 || ttlRules.some((r) => r.languages === undefined)
      ? '*'
      : [...new Set(ttlRules.flatMap((r) => r.languages ?? []))];
  const embedderLanguages = o.embedder?.coverage?.languages ?? ['en'];
  const semanticLanguages = commonLanguages(
    embedderLanguages,
    o.semanticLanguages ?? guard?.languages ?? '*',
  );
  const semantic = o.embedder !== undefined && o.vectorStore !== undefined;
  return {
    ruleLanguages,
    unknownLanguageTtlMs: unknown,
    semanticLanguages,
    needsLanguage: ruleLanguages !== '*' || (semantic && semanticLanguages !== '*'),
  };
}

/** Checks a number option in [min, max] (an integer when `integer`), or gives `fallback` when unset. */
type NumberOption = (
  v: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
) => number;

function resolveCircuitBreaker(
  v: SemanticCacheOptions['circuitBreaker'],
  num: NumberOption,
): CircuitBreakerOptions | false {
  if (v === false) return false;
  if (v === undefined) return {};
  assertPlainObject(v, 'circuitBreaker');
  assertKnownKeys(v, ['failures', 'halfOpenAfterMs'], 'circuitBreaker');
  return {
    failures: num(v.failures, 'circuitBreaker.failures', DEFAULT_CIRCUIT_FAILURES, 1, 1000, true),
    halfOpenAfterMs: num(
      v.halfOpenAfterMs,
      'circuitBreaker.halfOpenAfterMs',
      DEFAULT_CIRCUIT_HALF_OPEN_MS,
      1,
      3_600_000,
      true,
    ),
  };
}

function assertHas(value: unknown, methods: string[], name: string, required = false): void {
  if (value === undefined && !required) return;
  if (value === null || typeof value !== 'object') {
    throw new InvalidOptionError(
      `${name} ${required ? 'is required and ' : ''}must be an object with ${methods.join(', ')} methods, got ${describe(value)}.`,
    );
  }
  for (const m of methods) {
    if (typeof (value as Record<string, unknown>)[m] !== 'function') {
      throw new InvalidOptionError(
        `${name} has no ${m}() method; pass an implementation of the ${name} interface.`,
      );
    }
  }
}
