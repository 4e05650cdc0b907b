import { InvalidOptionError, scopeOfKey } from '@cache/core';

/** Default prefix of every Redis key the store writes. */
export const DEFAULT_PREFIX = 'cache:';

/**
 * Throws `InvalidOptionError` when `prefix` holds a brace: braces delimit the Redis Cluster hash
 * tag, which must be the scope so that every key of a scope lands in one slot.
 */
export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new InvalidOptionError(
      `RedisExactStore: prefix ${JSON.stringify(prefix)} must be a string without "{" or "}"; braces are reserved for the scope's hash tag.`,
    );
  }
}

/**
 * The Redis key of entry `key` (`<scope>:<digest>`): `<prefix>{<scope>}:<digest>`. The scope is
 * the hash tag, so all keys of one scope share a Cluster slot.
 */
export function redisKeyOf(prefix: string, key: string): string {
  const scope = scopeOfKey(key);
  return `${prefix}{${scope}}${key.slice(scope.length)}`;
}

/** SCAN pattern matching every key of `scope`, or every key under `prefix` when omitted. */
export function scanPattern(prefix: string, scope?: string): string {
  if (scope === undefined) return `${escapeGlob(prefix)}*`;
  return `${escapeGlob(prefix)}\\{${escapeGlob(scope)}\\}:*`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^{}]/g, '\\$&');
}
