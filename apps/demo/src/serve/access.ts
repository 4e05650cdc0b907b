import { createHash, timingSafeEqual } from 'node:crypto';
import { tenantOf } from './request-options.js';

/**
 * What the service does with a chat completion that carries no `Authorization` header:
 * `not-cached` (default) answers it from the model and stores or serves nothing, so anonymous
 * callers can neither read nor poison each other's answers; `shared` caches it in one shared
 * `anonymous` tenant; `rejected` answers 401.
 */
export type AnonymousPolicy = 'not-cached' | 'shared' | 'rejected';

/** The anonymous policies, for option parsing. */
export const ANONYMOUS_POLICIES: readonly AnonymousPolicy[] = ['not-cached', 'shared', 'rejected'];

/** Who is calling, from the `Authorization` header. */
export type Caller =
  | { kind: 'anonymous' }
  /** An API key: its tenant is a hash of the key. `admin` when the key is the admin token. */
  | { kind: 'key'; tenant: string; admin: boolean };

/** The caller, or the reason its `Authorization` header is rejected (a 401). */
export type CallerOrProblem = { caller: Caller; problem?: undefined } | { problem: string };

/** API keys and admin tokens: 1 to 512 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,512}$/;

/**
 * Reads `Authorization`. No header: anonymous. `Bearer <key>`: the key's tenant. Anything else
 * (empty, `Bearer` without a key, another scheme, a key with spaces or control characters,
 * several headers) is a problem, never folded into a tenant.
 */
export function callerOf(
  header: string | string[] | undefined,
  adminToken: string | undefined,
): CallerOrProblem {
  if (header === undefined) return { caller: { kind: 'anonymous' } };
  if (Array.isArray(header)) return { problem: 'send one Authorization header, not several' };
  const match = /^Bearer (.*)$/i.exec(header.trim());
  if (match === null) {
    return { problem: 'the Authorization header must be "Bearer <API key>"' };
  }
  const key = match[1] as string;
  if (!KEY.test(key)) {
    return {
      problem:
        'the API key after "Bearer " must be 1 to 512 visible ASCII characters (no spaces); omit the header to call anonymously',
    };
  }
  return {
    caller: {
      kind: 'key',
      tenant: tenantOf(`Bearer ${key}`),
      admin: adminToken !== undefined && sameSecret(key, adminToken),
    },
  };
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * Whether `host` (a Host header, maybe with a port) is one of `allowed` (host names, compared
 * without port and case). An empty list allows every host.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (host === undefined) return false;
  const name = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : (host.split(':')[0] as string);
  return allowed.includes(name.toLowerCase());
}
