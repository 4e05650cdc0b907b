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

/** Status recorded (never sent: nobody is listening) for a request whose client went away. */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * The abort reason of a request whose client closed the connection before its answer was
 * finished. Counted as a client disconnect, never as a server or model error.
 */
export class ClientClosedError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientClosedError';
  }
}

/** Maps the cache's typed errors (and aborts) to HTTP answers. */
export function mapError(error: unknown, timedOut: boolean): ErrorMapping {
  if (error instanceof ClientClosedError) {
    return { status: CLIENT_CLOSED_STATUS, type: 'client_closed' };
  }
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

// URLs, host:port pairs, IPv4 and bracketed IPv6 addresses, unix socket paths.
const LOCATIONS =
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+|\[[0-9a-f:.]+\](?::\d+)?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d{2,5}\b|\bunix:\S+/gi;

/**
 * The message of any thrown value as a client may see it: the failing component and what
 * happened, with every URL, host, port and socket path replaced by `<hidden>`, so an error body
 * never tells a caller where the service's backends live. Client errors (4xx) are unchanged.
 */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CacheError && mapError(error, false).status < 500) return message;
  return message.replace(LOCATIONS, '<hidden>');
}
