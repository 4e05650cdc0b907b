import { CacheError, DimensionMismatchError, StoreUnavailableError } from '@cache/core';

/** The parts of the client's `ApiError` this package reads (the class itself is not exported). */
interface QdrantApiErrorLike {
  status: number;
  data?: unknown;
}

/** True for an HTTP error answered by Qdrant (any status other than 200/201). */
export function isQdrantApiError(error: unknown): error is QdrantApiErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    'data' in error
  );
}

/** Qdrant's own message from its JSON error shape `{"status":{"error":"..."},"time":...}`. */
export function qdrantMessage(error: QdrantApiErrorLike): string {
  const data = error.data as { status?: { error?: unknown } } | string | undefined;
  if (typeof data === 'string' && data.length > 0) return data.slice(0, 300);
  const text = typeof data === 'object' && data !== null ? data.status?.error : undefined;
  return typeof text === 'string' ? text : `HTTP ${error.status}`;
}

/** True when Qdrant answered that the collection does not exist (it was deleted under us). */
export function isMissingCollection(error: unknown): boolean {
  return isQdrantApiError(error) && error.status === 404;
}

/**
 * Turns whatever the client threw into a typed error of `@cache/core`. `what` names the
 * operation and collection for the message.
 */
export function toCacheError(error: unknown, what: string, url: string): CacheError {
  if (error instanceof CacheError) return error;
  if (isQdrantApiError(error)) {
    const message = qdrantMessage(error);
    const dim = /expected dim: (\d+), got (\d+)/.exec(message);
    if (error.status === 400 && dim) {
      return new DimensionMismatchError(Number(dim[1]), Number(dim[2]), `Qdrant ${what}`);
    }
    if (error.status === 401 || error.status === 403) {
      return new StoreUnavailableError(
        'qdrant',
        `${what} was refused (${error.status}: ${message}); check the apiKey option.`,
        { cause: error, retryable: false },
      );
    }
    if (error.status === 404) {
      return new StoreUnavailableError(
        'qdrant',
        `${what}: ${message} It was deleted while in use; the next call creates it again.`,
        { cause: error },
      );
    }
    const retryable = error.status === 429 || error.status >= 500;
    return new StoreUnavailableError(
      'qdrant',
      `${what} failed with ${error.status}: ${message}` +
        (retryable
          ? ' Retry later or check the server.'
          : ' This is a bug in the request; report it.'),
      { cause: error, retryable },
    );
  }
  const name = error instanceof Error ? error.constructor.name || error.name : '';
  if (name === 'QdrantClientResourceExhaustedError') {
    // The client keeps only the first character of retry-after (1.16), so no wait is quoted.
    return new StoreUnavailableError('qdrant', `${what} was rate limited (429); retry later.`, {
      cause: error,
    });
  }
  if (name === 'QdrantClientTimeoutError') {
    return new StoreUnavailableError(
      'qdrant',
      `${what} timed out; raise timeoutMs or check the server at ${url}.`,
      { cause: error },
    );
  }
  const detail = error instanceof Error ? describeCause(error) : String(error);
  return new StoreUnavailableError(
    'qdrant',
    `${what} could not reach Qdrant at ${url} (${detail}); check QDRANT_URL and that the server runs.`,
    { cause: error },
  );
}

function describeCause(error: Error): string {
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return `${error.message}: ${code}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return error.message;
}
