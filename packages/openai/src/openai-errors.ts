import { type FailureVerdict, type ProviderFailure, providerCallError } from '@cache/core';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

/**
 * Whether a failed SDK call is worth retrying, the way the SDK itself decides: the server's
 * `x-should-retry` first, then 408, 409, 429 and 5xx, and connection errors. A 429 for an
 * exhausted quota is final: waiting does not refill it.
 */
export function judgeOpenAIError(error: unknown): FailureVerdict {
  if (error instanceof APIUserAbortError) return { retryable: false };
  if (error instanceof APIConnectionError) return { retryable: true };
  if (!(error instanceof APIError) || error.status === undefined) return { retryable: false };
  const { status, headers } = error;
  const verdict = (retryable: boolean): FailureVerdict => ({
    retryable,
    status,
    ...(headers ? { headers } : {}),
  });
  const hint = headers?.get('x-should-retry');
  if (hint === 'true') return verdict(true);
  if (hint === 'false') return verdict(false);
  if (status === 429 && error.code === 'insufficient_quota') return verdict(false);
  return verdict(status === 408 || status === 409 || status === 429 || status >= 500);
}

/**
 * A typed `@cache/core` error for a failed SDK call (see `providerCallError`). `kind` picks
 * `EmbedderError` or `ModelError`; aborts rethrow the signal's reason instead.
 */
export function toCacheError(
  error: unknown,
  kind: 'embedder' | 'model',
  what: string,
  signal?: AbortSignal,
): unknown {
  return providerCallError(error, kind, what, describeOpenAIFailure, signal);
}

function describeOpenAIFailure(error: unknown): ProviderFailure | undefined {
  if (error instanceof APIUserAbortError) {
    return { message: 'the request was aborted.', retryable: false };
  }
  if (error instanceof APIConnectionError) {
    return {
      message: `could not reach the API (${error.message}); check baseURL and the network. Retries are exhausted.`,
      retryable: true,
    };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const retryable = judgeOpenAIError(error).retryable;
    const advice =
      error.status === 401
        ? ' Check OPENAI_API_KEY (or the apiKey option).'
        : error.status === 404
          ? ' Check the model name and baseURL.'
          : retryable
            ? ' Retries are exhausted; try again later or raise maxRetries.'
            : '';
    return { message: `the API answered ${error.message}.${advice}`, retryable };
  }
  if (error instanceof SyntaxError) {
    return {
      message: `the API answered with a body that is not valid JSON (${error.message}); check that baseURL points at an OpenAI-compatible API.`,
      retryable: false,
    };
  }
  return undefined;
}
