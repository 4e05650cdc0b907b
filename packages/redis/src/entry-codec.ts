import { type CacheEntry, type ChatResponse, CorruptEntryError, scopeOfKey } from '@cache/core';

/**
 * Version of the stored value format. It is the first character of every value this package
 * writes; a reader that meets another version treats the value as undecodable.
 */
export const ENTRY_FORMAT_VERSION = 1;

const VERSION_CHAR = String(ENTRY_FORMAT_VERSION);

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

/** Serializes `entry` as the version character followed by compact JSON. */
export function encodeEntry(entry: CacheEntry): string {
  const body: StoredBody = {
    p: entry.prompt,
    r: entry.response,
    c: entry.createdAt,
    e: entry.expiresAt,
  };
  if (entry.maxExpiresAt !== undefined) body.x = entry.maxExpiresAt;
  if (entry.metadata !== undefined) body.m = entry.metadata;
  return VERSION_CHAR + JSON.stringify(body);
}

/**
 * Rebuilds the entry stored under `key` from `raw`. Throws `CorruptEntryError` when `raw` was
 * written by another format version or is not a well-formed entry.
 */
export function decodeEntry(key: string, raw: string): CacheEntry {
  if (raw.length === 0) throw new CorruptEntryError(key, 'the stored value is empty.');
  const version = raw[0] as string;
  if (version !== VERSION_CHAR) {
    const what = /^[0-9A-Za-z]$/.test(version)
      ? `was written in format version "${version}", this reader only knows version ${VERSION_CHAR} (a newer @cache/redis wrote it?)`
      : 'does not start with a format version (not written by @cache/redis)';
    throw new CorruptEntryError(key, `the stored value ${what}; it is treated as a miss.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.slice(1));
  } catch (cause) {
    throw new CorruptEntryError(key, 'the stored value is not valid JSON.', { cause });
  }
  const problem = checkBody(body);
  if (problem !== undefined) throw new CorruptEntryError(key, `the stored value ${problem}.`);
  const b = body as StoredBody;
  const entry: CacheEntry = {
    key,
    scope: scopeOfKey(key),
    prompt: b.p,
    response: b.r,
    createdAt: b.c,
    expiresAt: b.e,
  };
  if (b.x !== undefined) entry.maxExpiresAt = b.x;
  if (b.m !== undefined) entry.metadata = b.m;
  return entry;
}

function checkBody(body: unknown): string | undefined {
  if (!isObject(body)) return 'is not an object';
  if (typeof body.p !== 'string') return 'has no prompt';
  if (!Number.isFinite(body.c) || !Number.isFinite(body.e)) return 'has no valid timestamps';
  if (body.x !== undefined && !Number.isFinite(body.x)) return 'has an invalid maxExpiresAt';
  if (body.m !== undefined) {
    if (!isObject(body.m)) return 'has invalid metadata';
    for (const v of Object.values(body.m)) if (typeof v !== 'string') return 'has invalid metadata';
  }
  const r = body.r;
  if (!isObject(r)) return 'has no response';
  if (typeof r.content !== 'string' || typeof r.model !== 'string')
    return 'has an invalid response';
  if (typeof r.finishReason !== 'string') return 'has an invalid response';
  if (r.usage !== undefined) {
    const u = r.usage;
    if (
      !isObject(u) ||
      !Number.isFinite(u.promptTokens) ||
      !Number.isFinite(u.completionTokens) ||
      !Number.isFinite(u.totalTokens)
    ) {
      return 'has invalid token usage';
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
