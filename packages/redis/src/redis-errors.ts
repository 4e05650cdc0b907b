import { CacheError, StoreUnavailableError } from '@cache/core';

/** Server replies that describe a passing state: the same call can succeed a moment later. */
const RETRYABLE_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|MOVED|ASK|READONLY)\b/;

/**
 * Maps whatever ioredis threw during `operation` to a `StoreUnavailableError`. Connection
 * failures (refused, reset, retries exhausted, offline) are retryable; error replies are
 * retryable only when they describe a passing state (LOADING, CLUSTERDOWN...).
 * `lastConnectionError` is the latest socket error the client reported, which explains
 * ioredis's generic "max retries" message.
 */
export function toStoreError(
  operation: string,
  target: string,
  error: unknown,
  lastConnectionError?: Error,
): CacheError {
  if (error instanceof CacheError && !(error.code === 'TIMEOUT')) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === 'ReplyError') {
    const retryable = RETRYABLE_REPLY.test(err.message);
    return new StoreUnavailableError(
      'redis',
      `${operation} failed: the server at ${target} replied "${err.message}".` +
        (retryable
          ? ' This is temporary; retry later.'
          : ' Check the server and its configuration.'),
      { cause: err, retryable },
    );
  }
  const because =
    lastConnectionError !== undefined && lastConnectionError.message !== err.message
      ? ` (last connection error: ${lastConnectionError.message})`
      : '';
  return new StoreUnavailableError(
    'redis',
    `${operation} failed: ${err.message}${because}. Check that Redis is running and reachable at ${target}; ` +
      'the client reconnects by itself, so later calls succeed once the server is back.',
    { cause: err, retryable: true },
  );
}

/** `url` without its password, for messages. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'the configured Redis';
  }
}
