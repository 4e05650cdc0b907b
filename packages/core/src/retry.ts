import { InvalidOptionError } from './errors.js';
import { sleep } from './sleep.js';

/** How adapters retry calls to an HTTP API on rate limits (429), overload (5xx) and network errors. */
export interface RetryOptions {
  /** Retries after the first attempt (0 disables retrying). Default 3. */
  maxRetries?: number;
  /** First backoff delay when the server gives no `retry-after`; doubles per retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of the exponential backoff. Default 8000 ms. */
  maxDelayMs?: number;
  /**
   * The longest `retry-after` honoured. When the server asks for a longer wait, the call fails
   * at once with a retryable error instead of blocking the caller. Default 30 000 ms.
   */
  maxRetryAfterMs?: number;
  /** Called before each retry with the wait chosen and why. */
  onRetry?: (info: RetryInfo) => void;
}

/** What `onRetry` receives. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** Wait before the retry, in ms. */
  delayMs: number;
  /** Where the wait came from: the server's `retry-after(-ms)` header or our backoff. */
  delaySource: 'retry-after' | 'backoff';
  /** HTTP status that caused the retry; absent for network errors. */
  status?: number;
  /** The error that caused the retry. */
  error: unknown;
}

/** How one failed attempt is judged by the caller of {@link withRetries}. */
export interface FailureVerdict {
  /** Whether another attempt may succeed. */
  retryable: boolean;
  /** HTTP status of the failed attempt, when there was a response. */
  status?: number;
  /** Response headers, read for `retry-after-ms` / `retry-after`. */
  headers?: Headers;
}

/** Validated retry settings. */
export interface RetryPolicy {
  /** See {@link RetryOptions.maxRetries}. */
  maxRetries: number;
  /** See {@link RetryOptions.baseDelayMs}. */
  baseDelayMs: number;
  /** See {@link RetryOptions.maxDelayMs}. */
  maxDelayMs: number;
  /** See {@link RetryOptions.maxRetryAfterMs}. */
  maxRetryAfterMs: number;
  /** See {@link RetryOptions.onRetry}. */
  onRetry: ((info: RetryInfo) => void) | undefined;
}

/** Validates `options` and fills in defaults; `owner` names the class in messages. */
export function retryPolicy(options: RetryOptions, owner: string): RetryPolicy {
  const policy = {
    maxRetries: options.maxRetries ?? 3,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 8000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    onRetry: options.onRetry,
  };
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new InvalidOptionError(
      `${owner}: maxRetries must be a non-negative integer, got ${policy.maxRetries}.`,
    );
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    const value = policy[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(
        `${owner}: ${name} must be a non-negative number, got ${value}.`,
      );
    }
  }
  return policy;
}

/**
 * The wait a response asks for: `retry-after-ms` (OpenAI's extension), else `retry-after` in
 * seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms != null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Number(ms);
  }
  const value = headers?.get('retry-after');
  if (value == null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Thrown by {@link withRetries} when the server asks for a longer wait than allowed. */
export class RetryAfterTooLongError extends Error {
  /**
   * @param waitMs the wait the server asked for
   * @param cause the failure that carried the request to wait
   */
  constructor(
    readonly waitMs: number,
    override readonly cause: unknown,
  ) {
    super(`the server asked to retry after ${Math.ceil(waitMs / 1000)} s`);
  }
}

/**
 * Runs `attempt` until it succeeds, `judge` says a failure is final, or the retries run out.
 * The last failure is rethrown as is (or as {@link RetryAfterTooLongError}). `countRetry` is
 * called once per retry.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  judge: (error: unknown) => FailureVerdict,
  policy: RetryPolicy,
  countRetry: () => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const verdict = judge(error);
      if (!verdict.retryable || retry >= policy.maxRetries || signal?.aborted) throw error;
      const asked = retryAfterMs(verdict.headers);
      if (asked !== undefined && asked > policy.maxRetryAfterMs) {
        throw new RetryAfterTooLongError(asked, error);
      }
      const backoff = Math.min(policy.baseDelayMs * 2 ** retry, policy.maxDelayMs);
      // Jitter spreads retries of many clients hit by the same overload.
      const delayMs = asked ?? backoff * (1 - Math.random() * 0.25);
      countRetry();
      policy.onRetry?.({
        attempt: retry + 1,
        delayMs,
        delaySource: asked === undefined ? 'backoff' : 'retry-after',
        error,
        ...(verdict.status === undefined ? {} : { status: verdict.status }),
      });
      await sleep(delayMs, signal);
    }
  }
}
