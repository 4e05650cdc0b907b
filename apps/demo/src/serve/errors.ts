import { CacheError } from '@cache/core';

/** HTTP status and OpenAI-style error type for an error thrown while answering. */
export interface ErrorMapping {
  /** HTTP status code. */
  status: number;
  /** OpenAI `error.type`. */
  type: string;
  /** Component to count in `llm_cache_errors_total`, when one failed. */
  component?: string;
}

/** Maps the cache's typed errors (and aborts) to HTTP answers. */
export function mapError(error: unknown, timedOut: boolean): ErrorMapping {
  if (timedOut) return { status: 504, type: 'timeout_error', component: 'model' };
  if (error instanceof CacheError) {
    switch (error.code) {
      case 'INVALID_REQUEST':
      case 'INVALID_OPTION':
        return { status: 400, type: 'invalid_request_error' };
      case 'TIMEOUT':
        return { status: 504, type: 'timeout_error', component: 'model' };
      case 'MODEL_ERROR':
        return { status: 502, type: 'upstream_error', component: 'model' };
      case 'EMBEDDER_ERROR':
        return { status: 503, type: 'service_unavailable', component: 'embedder' };
      case 'STORE_UNAVAILABLE':
        return { status: 503, type: 'service_unavailable', component: 'store' };
      default:
        return { status: 500, type: 'server_error', component: error.code.toLowerCase() };
    }
  }
  return { status: 500, type: 'server_error', component: 'service' };
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
