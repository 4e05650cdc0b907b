import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type CacheEntry,
  type ChatResponse,
  CorruptEntryError,
  entryProblem,
  scopeOfKey,
} from '@cache/core';

/**
 * Version of the stored value format. It is the first character of every value this package
 * writes; a reader that meets another version treats the value as undecodable.
 */
export const ENTRY_FORMAT_VERSION = 1;

/**
 * Version of signed values: the version character, the HMAC-SHA256 of the entry key and the
 * JSON body under the server secret (43 base64url characters), then the JSON body.
 */
export const SIGNED_FORMAT_VERSION = 2;

const VERSION_CHAR = String(ENTRY_FORMAT_VERSION);
const SIGNED_CHAR = String(SIGNED_FORMAT_VERSION);
const MAC_CHARS = 43;

/** A stored value whose integrity check failed: forged, or copied from under another key. */
export class ForgedEntryError extends CorruptEntryError {}

/** Signs and checks stored values with a server secret (HMAC-SHA256 of key and content). */
export class EntrySigner {
  readonly #secret: Buffer;

  /** `secret`: at least 16 bytes, shared by every instance that reads the same Redis. */
  constructor(secret: string | Buffer) {
    this.#secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  }

  /** The MAC of `json` stored under `key`. */
  mac(key: string, json: string): string {
    return createHmac('sha256', this.#secret)
      .update(key)
      .update('\u0000')
      .update(json)
      .digest('base64url');
  }

  /** Whether `mac` is the MAC of `json` under `key` (constant time). */
  verify(key: string, json: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(key, json));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * The stored body: the entry without `key` and `scope` (both follow from the Redis key), with
 * one-letter field names to keep values small.
 */
interface StoredBody {
  p: string;
  r: ChatResponse;
  c: number;
  e: number;
  x?: number;
  m?: Record<string, string>;
}

/**
 * Serializes `entry` as the version character followed by compact JSON; with a `signer`, as a
 * signed value (version {@link SIGNED_FORMAT_VERSION}) whose MAC covers `entry.key` and the JSON.
 */
export function encodeEntry(entry: CacheEntry, signer?: EntrySigner): string {
  const body: StoredBody = {
    p: entry.prompt,
    r: entry.response,
    c: entry.createdAt,
    e: entry.expiresAt,
  };
  if (entry.maxExpiresAt !== undefined) body.x = entry.maxExpiresAt;
  if (entry.metadata !== undefined) body.m = entry.metadata;
  const json = JSON.stringify(body);
  if (signer === undefined) return VERSION_CHAR + json;
  return SIGNED_CHAR + signer.mac(entry.key, json) + json;
}

/**
 * Rebuilds the entry stored under `key` from `raw`. Throws `CorruptEntryError` when `raw` was
 * written by another format version or is not a well-formed entry (core's `entryProblem`:
 * wrong types, negative token counts...). With a `signer`, only signed values whose MAC matches
 * `key` and content decode; others throw {@link ForgedEntryError}. Without one, signed values
 * decode unchecked.
 */
export function decodeEntry(key: string, raw: string, signer?: EntrySigner): CacheEntry {
  if (raw.length === 0) throw new CorruptEntryError(key, 'the stored value is empty.');
  const version = raw[0] as string;
  let json: string;
  if (version === SIGNED_CHAR) {
    const mac = raw.slice(1, 1 + MAC_CHARS);
    json = raw.slice(1 + MAC_CHARS);
    if (signer !== undefined && !signer.verify(key, json, mac)) {
      throw new ForgedEntryError(
        key,
        'the stored value fails its integrity check (forged, or copied from another key); it is treated as a miss and deleted.',
      );
    }
  } else if (version === VERSION_CHAR) {
    if (signer !== undefined) {
      throw new ForgedEntryError(
        key,
        'the stored value is unsigned while a secret is configured (forged, or written before the secret was set); it is treated as a miss and deleted.',
      );
    }
    json = raw.slice(1);
  } else {
    const what = /^[0-9A-Za-z]$/.test(version)
      ? `was written in format version "${version}", this reader only knows versions ${VERSION_CHAR} and ${SIGNED_CHAR} (a newer @cache/redis wrote it?)`
      : 'does not start with a format version (not written by @cache/redis)';
    throw new CorruptEntryError(key, `the stored value ${what}; it is treated as a miss.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (cause) {
    throw new CorruptEntryError(key, 'the stored value is not valid JSON.', { cause });
  }
  if (!isObject(body)) throw new CorruptEntryError(key, 'the stored value is not an object.');
  const b = body as unknown as StoredBody;
  const entry: CacheEntry = {
    key,
    scope: scopeOfKey(key),
    prompt: b.p,
    response: b.r as ChatResponse,
    createdAt: b.c,
    expiresAt: b.e,
  };
  if (b.x !== undefined) entry.maxExpiresAt = b.x;
  if (b.m !== undefined) entry.metadata = b.m;
  const problem = entryProblem(entry);
  if (problem !== undefined) throw new CorruptEntryError(key, `the stored value ${problem}.`);
  return entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
