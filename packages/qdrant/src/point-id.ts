import { createHash } from 'node:crypto';

/**
 * Namespace of the name-based (version 5) UUIDs this package derives from entry keys. Fixed
 * forever: changing it would orphan every point already stored.
 */
export const POINT_ID_NAMESPACE = '5c1b0a36-6f1e-4a8e-9d43-3f8d2f0c7a11';

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of namespace bytes and name) as Qdrant accepts
 * for point ids. The same `name` always gives the same id, on every machine.
 */
export function uuidV5(name: string, namespace: string = POINT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`"${namespace}" is not a UUID`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Qdrant point id of the record stored under entry `key`. */
export function pointIdOf(key: string): string {
  return uuidV5(key);
}
