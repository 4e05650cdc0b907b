import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestOptions } from '@cache/core';

/** Header naming the namespace of a request's scope. */
export const NAMESPACE_HEADER = 'x-cache-namespace';
/** Header that skips the cache entirely when `1` or `true`. */
export const BYPASS_HEADER = 'x-cache-bypass';

/** Cache options derived from a request's headers, plus a description for logs. */
export interface HeaderOptions {
  /** Options passed to the cache. */
  options: RequestOptions;
  /** Problems found in the headers (a 400 answer), empty when fine. */
  problems: string[];
}

/**
 * Tenant of a caller: a hash of the API key of its `Authorization` header, so two keys never
 * share entries while the key itself is neither stored nor logged. Callers without a key share
 * the `anonymous` tenant.
 */
export function tenantOf(authorization: string | undefined): string {
  const key = authorization?.replace(/^Bearer\s+/i, '').trim();
  if (!key) return 'anonymous';
  return `key-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * Reads the per-request cache controls: `cache-control: no-cache` (call the model and refresh
 * the entry), `no-store` (do not store the answer), both (bypass), `x-cache-bypass`, the
 * namespace header, and the tenant from `Authorization`.
 */
export function optionsFromHeaders(headers: IncomingHttpHeaders): HeaderOptions {
  const problems: string[] = [];
  const options: RequestOptions = { tenant: tenantOf(single(headers.authorization)) };
  const directives = new Set(
    (single(headers['cache-control']) ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter((d) => d !== ''),
  );
  const noCache = directives.has('no-cache');
  const noStore = directives.has('no-store');
  const bypass = /^(1|true|yes)$/i.test(single(headers[BYPASS_HEADER]) ?? '');
  if (bypass || (noCache && noStore)) options.bypass = true;
  else if (noCache) options.refresh = true;
  else if (noStore) options.noStore = true;
  const namespace = single(headers[NAMESPACE_HEADER]);
  if (namespace !== undefined) {
    if (!/^[\w.:/-]{1,128}$/.test(namespace)) {
      problems.push(
        `${NAMESPACE_HEADER} must be 1 to 128 characters of letters, digits, _ . : / -`,
      );
    } else {
      options.namespace = namespace;
    }
  }
  return { options, problems };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
