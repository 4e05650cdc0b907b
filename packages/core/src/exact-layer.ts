/**
 * The exact layer: looking a key up in the exact store, checking that a stored entry may be
 * served (deleting corrupt ones), and pushing a hit's expiry forward under a sliding TTL.
 */
import { performance } from 'node:perf_hooks';
import { attempt, type CacheContext, type Hit } from './cache-context.js';
import { isValidEntry } from './entry-validation.js';
import type { Prepared } from './prepared-request.js';
import { entryKey } from './scope.js';
import type { CacheEntry } from './types.js';

/** The exact store's usable entry for the request's key, if any. */
export async function lookupExact(ctx: CacheContext, p: Prepared): Promise<Hit | undefined> {
  const c = ctx.config;
  const t = performance.now();
  const got = await attempt(
    ctx,
    c.exactStore.name,
    c.timeouts.exactStoreMs,
    () => c.exactStore.get(p.key),
    p,
  );
  p.timings.exactMs = performance.now() - t;
  if (!got.ok || got.value === undefined) return undefined;
  const entry = got.value;
  if (!wellFormedEntry(entry, p.key, p)) {
    await discardCorrupt(ctx, p.key, p);
    return undefined;
  }
  return entry.expiresAt > c.now() ? { source: 'exact', entry } : undefined;
}

/**
 * Whether a stored entry may be served for `key`. A malformed entry, or one filed under the
 * wrong key, is counted as corrupt and deleted; an expired one is just not served.
 */
export async function usableEntry(
  ctx: CacheContext,
  entry: CacheEntry,
  key: string,
  p: Prepared,
): Promise<boolean> {
  if (!wellFormedEntry(entry, key, p)) {
    await discardCorrupt(ctx, key, p);
    return false;
  }
  return entry.expiresAt > ctx.config.now();
}

/** Whether `entry` is a well-formed entry of the request's scope filed under `key`. */
function wellFormedEntry(entry: CacheEntry, key: string, p: Prepared): boolean {
  return (
    isValidEntry(entry) &&
    entry.key === key &&
    entry.scope === p.scope &&
    // A well-formed value copied under another key (stores like Redis derive key and scope
    // from where the value sits) must not answer that key's question: under the request's own
    // key only its own prompt may be stored, under another key a prompt hashing to it.
    (key === p.key ? entry.prompt === p.prompt : entryKey(p.scope, entry.prompt) === key)
  );
}

/** Counts the corrupt entry under `key` and deletes it (a failing delete is absorbed). */
async function discardCorrupt(ctx: CacheContext, key: string, p: Prepared): Promise<void> {
  const c = ctx.config;
  ctx.counters.recordError(`${c.exactStore.name}:corrupt`);
  p.failures.push(`${c.exactStore.name}:corrupt`);
  await attempt(
    ctx,
    c.exactStore.name,
    c.timeouts.exactStoreMs,
    () => c.exactStore.delete(key),
    p,
    false,
  );
}

/** Sliding TTL: pushes a hit entry's expiry forward, never past its maximum age. */
export async function slideExpiry(
  ctx: CacheContext,
  p: Prepared,
  entry: CacheEntry,
): Promise<void> {
  const c = ctx.config;
  if (!c.slidingTtl || entry.maxExpiresAt === undefined) return;
  const now = c.now();
  const expiresAt = Math.min(now + p.ttlMs, entry.maxExpiresAt);
  const ttlMs = Math.floor(expiresAt - now);
  if (expiresAt <= entry.expiresAt || ttlMs < 1) return;
  const updated: CacheEntry = { ...entry, expiresAt };
  await attempt(
    ctx,
    c.exactStore.name,
    c.timeouts.exactStoreMs,
    () => c.exactStore.set(entry.key, updated, { ttlMs }),
    p,
    false,
  );
}
