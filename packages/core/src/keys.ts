import { InvalidRequestError } from './errors.js';

/**
 * The scope part of an entry key. Keys have the form `<scope>:<digest>`, where the scope is a hex
 * hash, so stores can group, index and clear entries by scope from the key alone.
 */
export function scopeOfKey(key: string): string {
  const at = key.indexOf(':');
  if (at <= 0) {
    throw new InvalidRequestError(
      `"${key.slice(0, 80)}" is not an entry key: keys have the form <scope>:<digest>. Build keys with SemanticCache.`,
    );
  }
  return key.slice(0, at);
}
