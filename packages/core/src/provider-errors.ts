import { CacheError, EmbedderError, ModelError } from './errors.js';
import { RetryAfterTooLongError } from './retry.js';

/** What an adapter says about one of its provider's failures. */
export interface ProviderFailure {
  /** What went wrong and what to do, without the adapter's name (it is prefixed). */
  message: string;
  /** Whether the same call may succeed later. */
  retryable: boolean;
}

/**
 * The typed error an embedder or model adapter throws for a failed provider call: the signal's
 * reason when the caller aborted, a `CacheError` unchanged, a retry-after longer than the
 * adapter accepts as retryable; any other failure as `describe` words it (or with its own
 * message, not retryable, when `describe` does not know it). `kind` picks `EmbedderError` or
 * `ModelError`; `what` names the adapter in the message.
 */
export function providerCallError(
  error: unknown,
  kind: 'embedder' | 'model',
  what: string,
  describe: (error: unknown) => ProviderFailure | undefined,
  signal?: AbortSignal,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof CacheError) return error;
  const failure: ProviderFailure =
    error instanceof RetryAfterTooLongError
      ? {
          message: `${error.message}, longer than maxRetryAfterMs; try again later.`,
          retryable: true,
        }
      : (describe(error) ?? {
          message: error instanceof Error ? error.message : String(error),
          retryable: false,
        });
  const options = { cause: error, retryable: failure.retryable };
  return kind === 'embedder'
    ? new EmbedderError(`${what}: ${failure.message}`, options)
    : new ModelError(`${what}: ${failure.message}`, options);
}
