/**
 * The `judge` option of `SemanticCache`: what the caller passes, its defaults, and the one place
 * it is checked.
 */
import { InvalidOptionError } from '../errors.js';
import type { ChatModel } from '../types.js';
import { assertKnownKeys, assertPlainObject, describe } from '../validate.js';

/** Guard scores whose candidates go to the judge: `low` ≤ score < `high`. */
export interface JudgeBand {
  /** Lowest score put to the judge, in [0, 1]. Below it the guard's verdict stands. */
  low: number;
  /** Score from which the guard's verdict stands again, in (low, 1]. */
  high: number;
}

/**
 * A second opinion for the candidates the guard is unsure of: a chat model asked a fixed yes/no
 * question about the two prompts. Off unless given.
 */
export interface JudgeOptions {
  /** The model that judges: any `ChatModel` (a small one through `OpenAIChatModel` or `OllamaChatModel`). */
  model: ChatModel;
  /** Model name sent in the judge's requests (`ChatRequest.model`), e.g. `gpt-4o-mini` or `qwen2.5:0.5b`. */
  modelName: string;
  /**
   * Guard scores put to the judge. Pick `low` below the guard's threshold and `high` above it
   * (the default guard's is `operatingPointFor(embedder.id).threshold`): then candidates at or
   * above `high` are accepted and those below `low` rejected without the judge, as the guard
   * decided them.
   */
  band: JudgeBand;
  /** Longest wait for one judge answer, ms (integer). Default 2000. */
  timeoutMs?: number;
  /** Most judge calls in any 60 s window (integer); past it, candidates are rejected uncalled. Default 60. */
  maxCallsPerMinute?: number;
  /** Verdicts remembered (integer, 0 disables the memory). Default 10,000. */
  cacheSize?: number;
  /** Bytes of prompt text the remembered verdicts may hold (integer). Default 16 MiB. */
  cacheBytes?: number;
  /** Output tokens the judge may use (`ChatRequest.maxTokens`). Default 4; raise it for reasoning models. */
  maxTokens?: number;
}

/** `JudgeOptions` checked, with every default filled in. */
export type ResolvedJudgeOptions = Required<JudgeOptions>;

/** Default of `JudgeOptions.timeoutMs`. */
export const DEFAULT_JUDGE_TIMEOUT_MS = 2000;
/** Default of `JudgeOptions.maxCallsPerMinute`. */
export const DEFAULT_JUDGE_CALLS_PER_MINUTE = 60;
/** Default of `JudgeOptions.cacheSize`. */
export const DEFAULT_JUDGE_CACHE_SIZE = 10_000;
/** Default of `JudgeOptions.cacheBytes`. */
export const DEFAULT_JUDGE_CACHE_BYTES = 16 * 1024 * 1024;
/** Default of `JudgeOptions.maxTokens`. */
export const DEFAULT_JUDGE_MAX_TOKENS = 4;

const KEYS = [
  'model',
  'modelName',
  'band',
  'timeoutMs',
  'maxCallsPerMinute',
  'cacheSize',
  'cacheBytes',
  'maxTokens',
];

/**
 * Checks the `judge` option and fills in defaults; throws `InvalidOptionError` naming the
 * problem. `semantic` says whether the cache has an embedder (the judge needs semantic lookups).
 */
export function resolveJudgeOptions(raw: JudgeOptions, semantic: boolean): ResolvedJudgeOptions {
  assertPlainObject(raw, 'judge');
  assertKnownKeys(raw, KEYS, 'judge');
  if (!semantic) {
    throw new InvalidOptionError(
      'judge: the judge decides semantic candidates; pass vectorStore and embedder too, or drop the judge option.',
    );
  }
  const model = raw.model as unknown;
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof (model as ChatModel).complete !== 'function' ||
    typeof (model as ChatModel).id !== 'string'
  ) {
    throw new InvalidOptionError(
      `judge.model must be a ChatModel (an object with an id and a complete() method), got ${describe(model)}.`,
    );
  }
  if (typeof raw.modelName !== 'string' || raw.modelName === '' || raw.modelName.length > 256) {
    throw new InvalidOptionError(
      `judge.modelName must be the model name to send (e.g. "gpt-4o-mini"), got ${describe(raw.modelName)}.`,
    );
  }
  assertPlainObject(raw.band, 'judge.band');
  assertKnownKeys(raw.band, ['low', 'high'], 'judge.band');
  const low = raw.band.low;
  const high = raw.band.high;
  if (typeof low !== 'number' || !(low >= 0 && low <= 1)) {
    throw new InvalidOptionError(
      `judge.band.low must be a number from 0 to 1, got ${describe(low)}.`,
    );
  }
  if (typeof high !== 'number' || !(high > low && high <= 1)) {
    throw new InvalidOptionError(
      `judge.band.high must be a number above judge.band.low (${low}) and at most 1, got ${describe(high)}.`,
    );
  }
  const int = (v: unknown, name: string, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidOptionError(
        `judge.${name} must be an integer from ${min} to ${max}, got ${describe(v)}.`,
      );
    }
    return v;
  };
  return {
    model: raw.model,
    modelName: raw.modelName,
    band: { low, high },
    timeoutMs: int(raw.timeoutMs, 'timeoutMs', DEFAULT_JUDGE_TIMEOUT_MS, 1, 600_000),
    maxCallsPerMinute: int(
      raw.maxCallsPerMinute,
      'maxCallsPerMinute',
      DEFAULT_JUDGE_CALLS_PER_MINUTE,
      1,
      100_000,
    ),
    cacheSize: int(raw.cacheSize, 'cacheSize', DEFAULT_JUDGE_CACHE_SIZE, 0, 10_000_000),
    cacheBytes: int(raw.cacheBytes, 'cacheBytes', DEFAULT_JUDGE_CACHE_BYTES, 1, 2 ** 31),
    maxTokens: int(raw.maxTokens, 'maxTokens', DEFAULT_JUDGE_MAX_TOKENS, 1, 4096),
  };
}
