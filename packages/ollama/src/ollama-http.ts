import type { FailureVerdict } from '@cache/core';
import { type ProviderFailure, providerCallError } from '@cache/core';

/** Default address of a local Ollama server. */
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

/** An HTTP error answered by Ollama (`{"error":"..."}` with a non-2xx status). */
export class OllamaHttpError extends Error {
  /**
   * @param status the HTTP status
   * @param headers the response headers (for `retry-after`)
   * @param message Ollama's `error` text, or the raw body
   */
  constructor(
    readonly status: number,
    readonly headers: Headers,
    message: string,
  ) {
    super(message);
    this.name = 'OllamaHttpError';
  }
}

/** The response had a 2xx status but a body that is not the JSON Ollama sends. */
export class OllamaProtocolError extends Error {
  /** @param message what was wrong with the answer */
  constructor(message: string) {
    super(message);
    this.name = 'OllamaProtocolError';
  }
}

/** A request's own timeout fired (not the caller's signal). */
export class OllamaTimeoutError extends Error {
  /** @param ms the timeout that fired */
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'OllamaTimeoutError';
  }
}

/** Trims the trailing slash so paths can be appended. */
export function normalizeBaseUrl(url: string | undefined): string {
  const base = url ?? process.env.OLLAMA_URL ?? DEFAULT_OLLAMA_URL;
  if (!/^https?:\/\//.test(base)) {
    throw new TypeError(`"${base}" is not an http(s) URL`);
  }
  return base.replace(/\/+$/, '');
}

/**
 * POSTs `body` as JSON and returns the response once its status is 2xx; otherwise throws
 * {@link OllamaHttpError} with Ollama's own message. The request aborts on `signal` or after
 * `timeoutMs` (the timeout covers reading the body too, as the returned signal stays armed).
 */
export async function postJson(
  url: string,
  body: unknown,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  headers: Record<string, string>,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: combined,
    });
    if (response.ok) return response;
    const text = await response.text();
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // Not JSON (a proxy's HTML page, say): the raw text is the message.
    }
    throw new OllamaHttpError(response.status, response.headers, message || response.statusText);
  } catch (error) {
    if (timeout.aborted && !signal?.aborted) throw new OllamaTimeoutError(timeoutMs);
    throw error;
  }
}

/** Parses a JSON body, turning a malformed one into {@link OllamaProtocolError}. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OllamaProtocolError(
      `${what} is not valid JSON (${(error as Error).message}); check that the base URL points at Ollama.`,
    );
  }
}

/** Retry 408, 429 and 5xx (Ollama answers 503 when its queue is full), timeouts and network errors. */
export function judgeOllamaError(error: unknown): FailureVerdict {
  if (error instanceof OllamaHttpError) {
    const { status, headers } = error;
    return { retryable: status === 408 || status === 429 || status >= 500, status, headers };
  }
  if (error instanceof OllamaTimeoutError) return { retryable: true };
  // fetch rejects with a TypeError when the connection fails.
  if (error instanceof TypeError) return { retryable: true };
  return { retryable: false };
}

/**
 * A typed `@cache/core` error for a failed call to the Ollama at `baseUrl` (see
 * `providerCallError`). `kind` picks `EmbedderError` or `ModelError`; aborts rethrow the
 * signal's reason instead.
 */
export function toCacheError(
  error: unknown,
  kind: 'embedder' | 'model',
  what: string,
  baseUrl: string,
  signal?: AbortSignal,
): unknown {
  return providerCallError(error, kind, what, (e) => describeOllamaFailure(e, baseUrl), signal);
}

function describeOllamaFailure(error: unknown, baseUrl: string): ProviderFailure | undefined {
  if (error instanceof OllamaHttpError) {
    const { retryable } = judgeOllamaError(error);
    const advice =
      error.status === 404
        ? ' Pull the model first (`ollama pull <model>`) or check the model name.'
        : retryable
          ? ' Retries are exhausted; try again later or raise maxRetries.'
          : '';
    return { message: `Ollama answered ${error.status}: ${error.message}.${advice}`, retryable };
  }
  if (error instanceof OllamaTimeoutError) {
    return {
      message: `${error.message}; raise timeoutMs or check the server at ${baseUrl}.`,
      retryable: true,
    };
  }
  if (error instanceof OllamaProtocolError) return { message: error.message, retryable: false };
  // The timeout signal can also fire while a stream's body is read, after postJson returned.
  if (error instanceof Error && error.name === 'TimeoutError') {
    return {
      message: `the answer did not finish in time; raise timeoutMs or check the server at ${baseUrl}.`,
      retryable: true,
    };
  }
  if (error instanceof TypeError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return {
      message: `could not reach Ollama at ${baseUrl} (${typeof code === 'string' ? code : error.message}); check OLLAMA_URL and that the server runs.`,
      retryable: true,
    };
  }
  return undefined;
}
