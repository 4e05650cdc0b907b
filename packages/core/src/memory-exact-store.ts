import { LRUCache } from 'lru-cache';
import { ClosedError, InvalidOptionError, InvalidRequestError } from './errors.js';
import { scopeOfKey } from './keys.js';
import { assertValidTtl } from './ttl-rules.js';
import type { CacheEntry, ExactSetOptions, ExactStore } from './types.js';

/** Options of `MemoryExactStore`. */
export interface MemoryExactStoreOptions {
  /** Most entries held; the least recently used is evicted beyond it. Default 10,000. */
  maxEntries?: number;
  /**
   * Most bytes held (estimated: UTF-16 size of the key and the entry's JSON, plus a fixed
   * overhead); the least recently used entries are evicted beyond it, and a single entry larger
   * than the budget is not stored. Default 256 MiB.
   */
  maxBytes?: number;
  /** Clock in epoch ms (for tests). Default `Date.now`. */
  now?: () => number;
}

const OPTION_KEYS = ['maxEntries', 'maxBytes', 'now'];

/** Default byte budget of a `MemoryExactStore`: 256 MiB. */
export const DEFAULT_MEMORY_STORE_BYTES = 256 * 1024 * 1024;

/** Estimated bytes an entry holds: UTF-16 key and JSON, plus the LRU's and objects' overhead. */
function entryBytes(entry: CacheEntry, key: string): number {
  return 2 * (key.length + JSON.stringify(entry).length) + 512;
}

/**
 * An in-process exact store: entries live in an LRU (`lru-cache`) bounded by `maxEntries` and by
 * `maxBytes`, each with its own TTL. Values are copied in and out, so callers cannot change a stored entry by
 * mutating what they passed or got back. Never returns an expired entry.
 */
export class MemoryExactStore implements ExactStore {
  /** `memory`. */
  readonly name = 'memory';
  private readonly lru: LRUCache<string, CacheEntry>;
  private readonly now: () => number;
  private closed = false;

  constructor(options: MemoryExactStoreOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) {
        throw new InvalidOptionError(
          `MemoryExactStore: unknown option "${key}"; valid options are ${OPTION_KEYS.join(', ')}.`,
        );
      }
    }
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new InvalidOptionError(
        `MemoryExactStore: maxEntries must be a positive integer, got ${String(maxEntries)}.`,
      );
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_STORE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new InvalidOptionError(
        `MemoryExactStore: maxBytes must be a positive integer, got ${String(maxBytes)}.`,
      );
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new InvalidOptionError('MemoryExactStore: now must be a function returning epoch ms.');
    }
    this.now = options.now ?? Date.now;
    this.lru = new LRUCache<string, CacheEntry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: entryBytes,
      ttlAutopurge: false,
      ttlResolution: 0,
      perf: { now: this.now },
    });
  }

  /** Number of entries held (expired ones not yet purged included). */
  get size(): number {
    return this.lru.size;
  }

  /** Keys of the live entries, of `scope` only when given (least recently used last). */
  keys(scope?: string): string[] {
    this.assertOpen();
    const now = this.now();
    const out: string[] = [];
    for (const [key, entry] of this.lru.entries()) {
      if (entry.expiresAt > now && (scope === undefined || scopeOfKey(key) === scope))
        out.push(key);
    }
    return out;
  }

  /** The live entry under `key`, or `undefined`. */
  async get(key: string): Promise<CacheEntry | undefined> {
    this.assertOpen();
    assertKey(key, 'MemoryExactStore.get');
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return structuredClone(entry);
  }

  /** Stores a copy of `entry` under `key` for `ttlMs`. */
  async set(key: string, entry: CacheEntry, options: ExactSetOptions): Promise<void> {
    this.assertOpen();
    assertKey(key, 'MemoryExactStore.set');
    assertValidTtl(options?.ttlMs, 'MemoryExactStore.set ttlMs');
    if (entry === null || typeof entry !== 'object' || typeof entry.response !== 'object') {
      throw new InvalidRequestError(
        'MemoryExactStore.set: entry must be a CacheEntry object with a response.',
      );
    }
    const copy = structuredClone(entry);
    // The store owns expiry: the entry says when it stops being served, the LRU when to drop it.
    copy.expiresAt = Math.min(
      copy.expiresAt ?? Number.POSITIVE_INFINITY,
      this.now() + options.ttlMs,
    );
    this.lru.set(key, copy, { ttl: options.ttlMs });
  }

  /** Removes `key`; true when something was removed. */
  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    assertKey(key, 'MemoryExactStore.delete');
    const entry = this.lru.get(key);
    this.lru.delete(key);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  /** Removes the entries of `scope`, or all entries. */
  async clear(scope?: string): Promise<void> {
    this.assertOpen();
    if (scope === undefined) {
      this.lru.clear();
      return;
    }
    if (typeof scope !== 'string' || scope === '' || scope.includes(':')) {
      throw new InvalidRequestError(
        `MemoryExactStore.clear: scope must be a scope hash (no ":"), got ${JSON.stringify(scope)}.`,
      );
    }
    for (const key of [...this.lru.keys()]) {
      if (scopeOfKey(key) === scope) this.lru.delete(key);
    }
  }

  /** Drops every entry; later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.lru.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('MemoryExactStore');
  }
}

function assertKey(key: unknown, where: string): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidRequestError(`${where}: key must be a string, got ${typeof key}.`);
  }
  scopeOfKey(key);
}
