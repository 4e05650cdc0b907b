import {
  assertValidVector,
  type CacheError,
  ClosedError,
  cosineSimilarity,
  DimensionMismatchError,
  InvalidOptionError,
  InvalidRequestError,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { pointIdOf } from './point-id.js';
import { isMissingCollection, toCacheError } from './qdrant-errors.js';

/** Options of {@link QdrantVectorStore}. */
export interface QdrantVectorStoreOptions {
  /** Length of every vector; must equal the embedder's dimension. */
  dimension: number;
  /** Qdrant's REST address, e.g. `http://127.0.0.1:6333`. Ignored when `client` is given. */
  url?: string;
  /** API key (Qdrant Cloud or a server started with one). Ignored when `client` is given. */
  apiKey?: string;
  /** A client you configured yourself; the store never closes it. */
  client?: QdrantClient;
  /** Collection holding the vectors; created (cosine, `dimension`) when absent. Default `semantic_cache`. */
  collection?: string;
  /**
   * Qdrant's `wait` flag on writes. `true` (default): `upsert`, `delete` and `clear` resolve once
   * the change is applied, so a search right after sees it. `false`: they resolve once Qdrant
   * has received the change, which is faster, but a search right after may still miss a new
   * record or return a deleted one (the cache re-checks entries in the exact store anyway).
   */
  wait?: boolean;
  /** Points per upsert or delete request. Default 256. */
  batchSize?: number;
  /**
   * Recompute every match's similarity from the stored vector in double precision (default
   * `true`), so `minSimilarity` means exactly what it means in the other stores. `false` uses
   * Qdrant's float32 score and transfers no vectors.
   */
  exactScores?: boolean;
  /**
   * Expired records never match (searches filter on `expiresAt`); they are also deleted from
   * the collection at most this often, in the background after an upsert. Default 60 000 ms;
   * 0 turns the automatic purge off (call {@link QdrantVectorStore.purgeExpired} yourself).
   */
  purgeIntervalMs?: number;
  /** Per-request timeout of the client the store creates. Default 10 000 ms. */
  timeoutMs?: number;
  /** Receives failures of background purges (they are also counted in `stats()`). */
  onError?: (error: CacheError) => void;
  /** Clock in epoch ms; tests replace it. Default `Date.now`. */
  now?: () => number;
}

/** Counters of {@link QdrantVectorStore}. */
export interface QdrantVectorStoreStats {
  /** Purges of expired records that completed. */
  purges: number;
  /** Purges that failed (each also passed to `onError`). */
  purgeFailures: number;
  /** Times the collection was found missing and created again. */
  collectionsCreated: number;
}

const SCOPE_FIELD = 'scope';
const EXPIRES_FIELD = 'expiresAt';
const KEY_FIELD = 'key';
/** Qdrant scores in float32; the slack keeps borderline records for the exact re-check. */
const THRESHOLD_SLACK = 1e-3;

interface PointPayload {
  key?: unknown;
  scope?: unknown;
  expiresAt?: unknown;
}

/**
 * A `VectorStore` on Qdrant. Each record is a point whose id is a version-5 UUID derived from
 * the entry key, with payload `{ key, scope, expiresAt }`. The scope has a keyword payload index
 * (tenant-optimised) and is a hard filter of every search; `expiresAt` has a float index and
 * expired points are filtered out at search time and purged periodically. Needs Qdrant ≥ 1.11.
 */
export class QdrantVectorStore implements VectorStore {
  /** Always `qdrant`. */
  readonly name = 'qdrant';
  /** Length every vector must have. */
  readonly dimension: number;
  /** The collection this store reads and writes. */
  readonly collection: string;

  readonly #client: QdrantClient;
  readonly #url: string;
  readonly #wait: boolean;
  readonly #batchSize: number;
  readonly #exactScores: boolean;
  readonly #purgeIntervalMs: number;
  readonly #onError: ((error: CacheError) => void) | undefined;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  #closed = false;
  #lastPurgeAt = 0;
  #purging: Promise<void> | undefined;
  readonly #stats: QdrantVectorStoreStats = { purges: 0, purgeFailures: 0, collectionsCreated: 0 };

  constructor(options: QdrantVectorStoreOptions) {
    const { dimension } = options;
    if (!Number.isInteger(dimension) || dimension <= 0) {
      throw new InvalidOptionError(
        `QdrantVectorStore: dimension must be a positive integer, got ${dimension}.`,
      );
    }
    const batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new InvalidOptionError(
        `QdrantVectorStore: batchSize must be a positive integer, got ${batchSize}.`,
      );
    }
    const purgeIntervalMs = options.purgeIntervalMs ?? 60_000;
    if (!Number.isFinite(purgeIntervalMs) || purgeIntervalMs < 0) {
      throw new InvalidOptionError(
        `QdrantVectorStore: purgeIntervalMs must be 0 or a positive number, got ${purgeIntervalMs}.`,
      );
    }
    const collection = options.collection ?? 'semantic_cache';
    if (!/^[A-Za-z0-9_.-]{1,255}$/.test(collection)) {
      throw new InvalidOptionError(
        `QdrantVectorStore: collection "${collection}" must use letters, digits, "_", "-" or "." only.`,
      );
    }
    if (!options.client && !options.url) {
      throw new InvalidOptionError(
        'QdrantVectorStore: pass url (e.g. http://127.0.0.1:6333) or a QdrantClient as client.',
      );
    }
    this.dimension = dimension;
    this.collection = collection;
    this.#url = options.url ?? 'the configured client';
    this.#client =
      options.client ??
      new QdrantClient({
        url: options.url,
        apiKey: options.apiKey,
        timeout: options.timeoutMs ?? 10_000,
        checkCompatibility: false,
      });
    this.#wait = options.wait ?? true;
    this.#batchSize = batchSize;
    this.#exactScores = options.exactScores ?? true;
    this.#purgeIntervalMs = purgeIntervalMs;
    this.#onError = options.onError;
    this.#now = options.now ?? Date.now;
  }

  /** Counters: purges, failed purges, collections created. */
  stats(): QdrantVectorStoreStats {
    return { ...this.#stats };
  }

  /**
   * Creates the collection and payload indexes when absent (idempotent; concurrent creators are
   * fine). Called lazily by every operation; call it to fail fast at startup.
   */
  ensureCollection(): Promise<void> {
    this.#assertOpen();
    if (!this.#ready) {
      this.#ready = this.#createIfAbsent().catch((error: unknown) => {
        this.#ready = undefined;
        throw toCacheError(error, `collection "${this.collection}"`, this.#url);
      });
    }
    return this.#ready;
  }

  /** Inserts or replaces records by key, in batches of `batchSize`. */
  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.#assertOpen();
    if (!Array.isArray(records)) {
      throw new InvalidRequestError('QdrantVectorStore.upsert: records must be an array.');
    }
    const points = new Map<string, Schemas['PointStruct']>();
    for (const record of records) {
      assertValidVector(record?.vector, this.dimension, 'QdrantVectorStore.upsert');
      assertNonEmpty(record.key, 'key', 'upsert');
      assertNonEmpty(record.scope, 'scope', 'upsert');
      const payload: Record<string, unknown> = { key: record.key, scope: record.scope };
      if (record.expiresAt !== undefined) {
        if (typeof record.expiresAt !== 'number' || !Number.isFinite(record.expiresAt)) {
          throw new InvalidRequestError(
            `QdrantVectorStore.upsert: expiresAt of "${record.key}" must be epoch ms, got ${String(record.expiresAt)}.`,
          );
        }
        payload[EXPIRES_FIELD] = record.expiresAt;
      }
      const vector: number[] = Array.from(record.vector);
      points.set(record.key, { id: pointIdOf(record.key), vector, payload });
    }
    if (points.size === 0) return;
    const all = [...points.values()];
    await this.#withCollection('upsert', async () => {
      for (let i = 0; i < all.length; i += this.#batchSize) {
        await this.#client.upsert(this.collection, {
          wait: this.#wait,
          points: all.slice(i, i + this.#batchSize),
        });
      }
    });
    this.#maybePurge();
  }

  /** Up to `k` live records of `scope` at least `minSimilarity` similar to `vector`, best first. */
  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    this.#assertOpen();
    assertValidVector(vector, this.dimension, 'QdrantVectorStore.search');
    const { scope, k, minSimilarity } = options ?? ({} as VectorSearchOptions);
    assertNonEmpty(scope, 'scope', 'search');
    if (!Number.isInteger(k) || k <= 0) {
      throw new InvalidRequestError(
        `QdrantVectorStore.search: k must be a positive integer, got ${String(k)}.`,
      );
    }
    if (typeof minSimilarity !== 'number' || !(minSimilarity >= -1 && minSimilarity <= 1)) {
      throw new InvalidRequestError(
        `QdrantVectorStore.search: minSimilarity must be a cosine similarity in [-1, 1], got ${String(minSimilarity)}.`,
      );
    }
    const filter: Schemas['Filter'] = {
      must: [{ key: SCOPE_FIELD, match: { value: scope } }],
      must_not: [{ key: EXPIRES_FIELD, range: { lte: this.#now() } }],
    };
    const result = await this.#withCollection('search', () =>
      this.#client.query(this.collection, {
        query: Array.from(vector),
        filter,
        limit: k,
        score_threshold: this.#exactScores
          ? Math.max(-1, minSimilarity - THRESHOLD_SLACK)
          : minSimilarity,
        with_payload: [KEY_FIELD],
        with_vector: this.#exactScores,
      }),
    );
    const matches: VectorMatch[] = [];
    for (const point of result.points) {
      const key = (point.payload as PointPayload | null | undefined)?.key;
      if (typeof key !== 'string') continue;
      let similarity = Math.max(-1, Math.min(1, point.score));
      if (this.#exactScores) {
        const stored = point.vector;
        if (!Array.isArray(stored) || stored.length !== this.dimension) {
          throw toCacheError(
            new Error('a search result carries no vector although with_vector was requested'),
            `search in collection "${this.collection}"`,
            this.#url,
          );
        }
        similarity = cosineSimilarity(vector, Float32Array.from(stored as number[]));
        if (similarity < minSimilarity) continue;
      }
      matches.push({ key, similarity });
    }
    return matches.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  /** Removes the records with these keys; unknown keys are ignored. */
  async delete(keys: readonly string[]): Promise<void> {
    this.#assertOpen();
    if (!Array.isArray(keys)) {
      throw new InvalidRequestError('QdrantVectorStore.delete: keys must be an array of strings.');
    }
    for (const key of keys) assertNonEmpty(key, 'key', 'delete');
    if (keys.length === 0) return;
    const ids = [...new Set(keys)].map(pointIdOf);
    await this.#withCollection('delete', async () => {
      for (let i = 0; i < ids.length; i += this.#batchSize) {
        await this.#client.delete(this.collection, {
          wait: this.#wait,
          points: ids.slice(i, i + this.#batchSize),
        });
      }
    });
  }

  /** Removes every record of `scope`, or every record of the collection when omitted. */
  async clear(scope?: string): Promise<void> {
    this.#assertOpen();
    if (scope !== undefined) assertNonEmpty(scope, 'scope', 'clear');
    const filter: Schemas['Filter'] =
      scope === undefined
        ? // On the indexed field, so Qdrant's strict mode (no unindexed filters) accepts it.
          { must_not: [{ is_empty: { key: SCOPE_FIELD } }] }
        : { must: [{ key: SCOPE_FIELD, match: { value: scope } }] };
    await this.#withCollection('clear', () =>
      this.#client.delete(this.collection, { wait: this.#wait, filter }),
    );
  }

  /** Deletes every expired record now (searches already skip them). */
  async purgeExpired(): Promise<void> {
    this.#assertOpen();
    const filter: Schemas['Filter'] = {
      must: [{ key: EXPIRES_FIELD, range: { lte: this.#now() } }],
    };
    await this.#withCollection('purge', () =>
      this.#client.delete(this.collection, { wait: this.#wait, filter }),
    );
    this.#stats.purges++;
  }

  /** Resolves once no background purge is running. */
  async whenIdle(): Promise<void> {
    await this.#purging;
  }

  /** Waits for a running background purge; later calls reject with `ClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#purging;
  }

  #maybePurge(): void {
    if (this.#purgeIntervalMs === 0 || this.#purging) return;
    const now = this.#now();
    if (now - this.#lastPurgeAt < this.#purgeIntervalMs) return;
    this.#lastPurgeAt = now;
    this.#purging = this.purgeExpired()
      .catch((error: unknown) => {
        this.#stats.purgeFailures++;
        this.#onError?.(toCacheError(error, 'purge of expired records', this.#url));
      })
      .finally(() => {
        this.#purging = undefined;
      });
  }

  /** Runs `op` once the collection exists; if it vanished meanwhile, recreates it and retries once. */
  async #withCollection<T>(what: string, op: () => Promise<T>): Promise<T> {
    const where = `${what} in collection "${this.collection}"`;
    await this.ensureCollection();
    try {
      return await op();
    } catch (error) {
      if (!isMissingCollection(error)) throw toCacheError(error, where, this.#url);
      this.#ready = undefined;
      await this.ensureCollection();
      try {
        return await op();
      } catch (again) {
        throw toCacheError(again, where, this.#url);
      }
    }
  }

  async #createIfAbsent(): Promise<void> {
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.#client.getCollection(this.collection);
    } catch (error) {
      if (!isMissingCollection(error)) throw error;
      try {
        await this.#client.createCollection(this.collection, {
          vectors: { size: this.dimension, distance: 'Cosine' },
        });
        this.#stats.collectionsCreated++;
      } catch (create) {
        // 409: another process created it between our two requests, which is fine.
        if (!(typeof create === 'object' && (create as { status?: unknown }).status === 409)) {
          throw create;
        }
      }
      info = await this.#client.getCollection(this.collection);
    }
    this.#checkVectors(info);
    const schema = info.payload_schema ?? {};
    if (!schema[SCOPE_FIELD]) {
      await this.#client.createPayloadIndex(this.collection, {
        field_name: SCOPE_FIELD,
        field_schema: { type: 'keyword', is_tenant: true },
        wait: true,
      });
    }
    if (!schema[EXPIRES_FIELD]) {
      await this.#client.createPayloadIndex(this.collection, {
        field_name: EXPIRES_FIELD,
        field_schema: 'float',
        wait: true,
      });
    }
  }

  #checkVectors(info: Schemas['CollectionInfo']): void {
    const vectors = info.config?.params?.vectors as
      | { size?: unknown; distance?: unknown }
      | undefined;
    if (!vectors || typeof vectors.size !== 'number') {
      throw new InvalidOptionError(
        `QdrantVectorStore: collection "${this.collection}" uses named vectors; point the store at a collection with one unnamed vector.`,
      );
    }
    if (vectors.size !== this.dimension) {
      throw new DimensionMismatchError(
        vectors.size,
        this.dimension,
        `QdrantVectorStore: the existing collection "${this.collection}" was created for other vectors`,
      );
    }
    if (vectors.distance !== 'Cosine') {
      throw new InvalidOptionError(
        `QdrantVectorStore: collection "${this.collection}" uses ${String(vectors.distance)} distance; it must use Cosine. Use another collection name.`,
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(`QdrantVectorStore(${this.collection})`);
  }
}

function assertNonEmpty(value: unknown, field: string, method: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError(
      `QdrantVectorStore.${method}: ${field} must be a non-empty string, got ${typeof value === 'string' ? '""' : typeof value}.`,
    );
  }
}
