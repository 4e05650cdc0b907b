import {
  type CacheEntry,
  CallDeadlines,
  ClosedError,
  CorruptEntryError,
  type ExactSetOptions,
  type ExactStore,
  InvalidOptionError,
  InvalidRequestError,
  scopeOfKey,
  TimeoutError,
  withTimeout,
} from '@cache/core';
import { Cluster, Redis } from 'ioredis';
import { decodeEntry, EntrySigner, encodeEntry, ForgedEntryError } from './entry-codec.js';
import { describeTarget, toStoreError } from './redis-errors.js';
import { checkPrefix, DEFAULT_PREFIX, redisKeyOf, scanPattern } from './redis-keys.js';
import {
  FAIL_FAST_CLUSTER_OPTIONS,
  FAIL_FAST_REDIS_OPTIONS,
  type RedisExactStoreOptions,
} from './redis-options.js';

/** Deletes KEYS[1] only while it still holds ARGV[1], so a fresh value written meanwhile survives. */
const DELETE_IF_UNCHANGED =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('UNLINK', KEYS[1]) end return 0";

const UNLINK_BATCH = 500;

/**
 * Exact store on Redis (standalone or Cluster) through ioredis. Entries live under
 * `<prefix>{<scope>}:<digest>`, so every key of a scope shares one Cluster slot; they expire
 * natively (`SET ... PX`). Values are the format version character followed by compact JSON; a
 * value that does not decode is counted (`corruptEntries`), deleted and reported as a miss.
 * Backend failures reject with `StoreUnavailableError`.
 */
export class RedisExactStore implements ExactStore {
  /** Always `redis`. */
  readonly name = 'redis';
  /** The ioredis client (standalone `Redis` or `Cluster`) the store talks through. */
  readonly client: Redis | Cluster;
  /** Prefix of every key the store writes. */
  readonly prefix: string;

  private readonly ownsClient: boolean;
  private readonly target: string;
  private readonly timeoutMs: number;
  private readonly scanCount: number;
  private readonly deadlines: CallDeadlines;
  private readonly onCorruptEntry: ((error: CorruptEntryError) => void) | undefined;
  private readonly signer: EntrySigner | undefined;
  private corrupt = 0;
  private forged = 0;
  private lastConnectionError: Error | undefined;
  private closed = false;

  /** Connects to the Redis at `url`, or as `options` say (see {@link RedisExactStoreOptions}). */
  constructor(urlOrOptions: string | RedisExactStoreOptions) {
    const options = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    checkPrefix(this.prefix);
    this.timeoutMs = positiveInteger(options.operationTimeoutMs ?? 5_000, 'operationTimeoutMs');
    this.deadlines = new CallDeadlines(this.timeoutMs);
    this.scanCount = positiveInteger(options.scanCount ?? 500, 'scanCount');
    this.onCorruptEntry = options.onCorruptEntry;
    if (options.secret !== undefined) {
      const bytes =
        typeof options.secret === 'string'
          ? Buffer.byteLength(options.secret)
          : options.secret?.length;
      if (typeof bytes !== 'number' || bytes < 16) {
        throw new InvalidOptionError(
          'RedisExactStore: secret must be a string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`).',
        );
      }
      this.signer = new EntrySigner(options.secret);
    }

    const sources = [
      options.url !== undefined || options.redisOptions !== undefined,
      options.cluster !== undefined,
      options.client !== undefined,
    ].filter(Boolean).length;
    if (sources !== 1) {
      throw new InvalidOptionError(
        'RedisExactStore: give exactly one of `url` (optionally with `redisOptions`), `redisOptions`, `cluster` or `client`.',
      );
    }

    if (options.client !== undefined) {
      this.client = options.client;
      this.ownsClient = options.closeClient ?? false;
      this.target = describeClient(options.client);
      return;
    }
    this.ownsClient = options.closeClient ?? true;
    if (options.cluster !== undefined) {
      const { nodes, options: clusterOptions } = options.cluster;
      if (!Array.isArray(nodes) || nodes.length === 0) {
        throw new InvalidOptionError(
          'RedisExactStore: `cluster.nodes` must list at least one node.',
        );
      }
      this.client = new Cluster(nodes, {
        ...FAIL_FAST_CLUSTER_OPTIONS,
        ...clusterOptions,
        redisOptions: { ...FAIL_FAST_REDIS_OPTIONS, ...clusterOptions?.redisOptions },
      });
      this.target = `the Redis Cluster seeded by ${nodes.map((n) => (typeof n === 'object' ? `${n.host ?? '127.0.0.1'}:${n.port ?? 6379}` : String(n))).join(', ')}`;
    } else if (options.url !== undefined) {
      this.client = new Redis(options.url, { ...FAIL_FAST_REDIS_OPTIONS, ...options.redisOptions });
      this.target = describeTarget(options.url);
    } else {
      this.client = new Redis({ ...FAIL_FAST_REDIS_OPTIONS, ...options.redisOptions });
      this.target = describeClient(this.client);
    }
    // Without a listener ioredis prints every connection error; the latest one is kept instead
    // and named in the StoreUnavailableError of the calls that fail because of it.
    this.client.on('error', (error: Error) => {
      this.lastConnectionError = error;
    });
  }

  /** Number of stored values that could not be decoded (and were deleted) since construction. */
  get corruptEntries(): number {
    return this.corrupt;
  }

  /**
   * Number of stored values that failed the integrity check (and were deleted) since
   * construction; they are counted in `corruptEntries` too. Always 0 without a `secret`.
   */
  get forgedEntries(): number {
    return this.forged;
  }

  /** Returns the entry under `key`, or `undefined` when absent, expired or undecodable. */
  async get(key: string): Promise<CacheEntry | undefined> {
    const redisKey = this.redisKey(key);
    const raw = await this.run('get', () => this.client.getBuffer(redisKey));
    if (raw === null) return undefined;
    try {
      const entry = decodeEntry(key, decodeUtf8(key, raw), this.signer);
      // PX starts when Redis runs the SET, a little after the entry's expiresAt was computed:
      // in between, Redis still holds a value that is already expired.
      return entry.expiresAt > Date.now() ? entry : undefined;
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error;
      this.corrupt++;
      if (error instanceof ForgedEntryError) this.forged++;
      this.onCorruptEntry?.(error);
      await this.run('get (deleting an undecodable value)', () =>
        this.client.eval(DELETE_IF_UNCHANGED, 1, redisKey, raw),
      );
      return undefined;
    }
  }

  /** Stores `entry` under `key` with a native expiry of `ttlMs`. */
  async set(key: string, entry: CacheEntry, options: ExactSetOptions): Promise<void> {
    const redisKey = this.redisKey(key);
    const ttlMs = options?.ttlMs;
    if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw new InvalidRequestError(
        `RedisExactStore.set: ttlMs must be a positive integer number of milliseconds, got ${String(ttlMs)}.`,
      );
    }
    if (entry?.scope !== scopeOfKey(key)) {
      throw new InvalidRequestError(
        `RedisExactStore.set: the entry's scope "${String(entry?.scope)}" differs from the scope of key "${key}"; build keys and entries with SemanticCache.`,
      );
    }
    const value = encodeEntry({ ...entry, key }, this.signer);
    await this.run('set', () => this.client.set(redisKey, value, 'PX', ttlMs));
  }

  /** Removes `key`; true when it existed. */
  async delete(key: string): Promise<boolean> {
    const redisKey = this.redisKey(key);
    return (await this.run('delete', () => this.client.unlink(redisKey))) > 0;
  }

  /**
   * Removes every entry of `scope`, or every key under the prefix when omitted, by SCAN on each
   * master (never KEYS, which blocks the server).
   */
  async clear(scope?: string): Promise<void> {
    this.assertOpen();
    if (scope !== undefined && (typeof scope !== 'string' || scope === '')) {
      throw new InvalidRequestError('RedisExactStore.clear: scope must be a non-empty string.');
    }
    const pattern = scanPattern(this.prefix, scope);
    if (isCluster(this.client) && this.client.status !== 'ready') {
      // The masters are known once the cluster is ready; a queued PING waits for that.
      await this.run('clear (connecting)', () => this.client.ping());
    }
    const nodes = isCluster(this.client) ? this.client.nodes('master') : [this.client];
    if (nodes.length === 0) {
      throw toStoreError('clear', this.target, new Error('no master node is connected'));
    }
    await Promise.all(nodes.map((node) => this.clearNode(node, pattern, scope !== undefined)));
  }

  /** Closes the connection when the store owns it; later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsClient) return;
    try {
      await withTimeout(this.client.quit(), this.timeoutMs, 'RedisExactStore close (QUIT)');
    } catch {
      // quit could not be delivered (server down or slow); disconnect below drops the socket anyway.
    } finally {
      this.client.disconnect();
    }
  }

  private async clearNode(node: Redis, pattern: string, oneSlot: boolean): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.run('clear (SCAN)', () =>
        node.scan(cursor, 'MATCH', pattern, 'COUNT', this.scanCount),
      );
      cursor = next;
      for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
        const batch = keys.slice(i, i + UNLINK_BATCH);
        if (oneSlot || !isCluster(this.client)) {
          await this.run('clear (UNLINK)', () => node.unlink(...batch));
        } else {
          // Keys of different scopes sit in different slots: one UNLINK each, pipelined.
          const pipeline = node.pipeline();
          for (const key of batch) pipeline.unlink(key);
          const results = (await this.run('clear (UNLINK)', () => pipeline.exec())) ?? [];
          const failed = results.find(([error]) => error !== null);
          if (failed) throw toStoreError('clear (UNLINK)', this.target, failed[0]);
        }
      }
    } while (cursor !== '0');
  }

  private redisKey(key: string): string {
    this.assertOpen();
    if (typeof key !== 'string' || key === '') {
      throw new InvalidRequestError('RedisExactStore: key must be a non-empty string.');
    }
    return redisKeyOf(this.prefix, key);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('RedisExactStore');
  }

  /**
   * Runs `call` under the per-call timeout, mapping failures to store errors. One promise per
   * call and one shared timer for all (see {@link CallDeadlines}): this wraps every exact-hit GET.
   */
  private run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.deadlines.run(
      call,
      () => new TimeoutError(`RedisExactStore ${operation}`, this.timeoutMs),
      (error) => toStoreError(operation, this.target, error, this.lastConnectionError),
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(key: string, raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch (cause) {
    throw new CorruptEntryError(key, 'the stored value is not valid UTF-8.', { cause });
  }
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return client.isCluster === true;
}

function describeClient(client: Redis | Cluster): string {
  if (isCluster(client)) return 'the Redis Cluster';
  const { host, port, path } = client.options;
  return path ? `unix:${path}` : `${host ?? '127.0.0.1'}:${port ?? 6379}`;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOptionError(
      `RedisExactStore: ${name} must be a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}
