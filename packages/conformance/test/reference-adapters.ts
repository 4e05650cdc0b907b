/**
 * Minimal, obviously-correct adapters used to check that the suites pass on correct
 * implementations. They are test fixtures, not products.
 */
import {
  assertValidVector,
  type CacheEntry,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  ClosedError,
  cosineSimilarity,
  type Embedder,
  type ExactSetOptions,
  type ExactStore,
  InvalidRequestError,
  ModelError,
  scopeOfKey,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';

export class MapExactStore implements ExactStore {
  readonly name = 'map';
  private readonly entries = new Map<string, { json: string; until: number }>();
  private closed = false;

  async get(key: string): Promise<CacheEntry | undefined> {
    this.check();
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(hit.json) as CacheEntry;
  }

  async set(key: string, entry: CacheEntry, options: ExactSetOptions): Promise<void> {
    this.check();
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs <= 0) {
      throw new InvalidRequestError(`ttlMs must be a positive integer, got ${options.ttlMs}`);
    }
    this.entries.set(key, { json: JSON.stringify(entry), until: Date.now() + options.ttlMs });
  }

  async delete(key: string): Promise<boolean> {
    this.check();
    return this.entries.delete(key);
  }

  async clear(scope?: string): Promise<void> {
    this.check();
    if (scope === undefined) this.entries.clear();
    else
      for (const key of [...this.entries.keys()])
        if (scopeOfKey(key) === scope) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new ClosedError('MapExactStore');
  }
}

export class ScanVectorStore implements VectorStore {
  readonly name = 'scan';
  private readonly records = new Map<string, VectorRecord>();
  private closed = false;

  constructor(readonly dimension: number) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.check();
    for (const r of records) assertValidVector(r.vector, this.dimension, 'ScanVectorStore.upsert');
    for (const r of records) this.records.set(r.key, { ...r, vector: Float32Array.from(r.vector) });
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    this.check();
    assertValidVector(vector, this.dimension, 'ScanVectorStore.search');
    const { k, minSimilarity } = options;
    if (!Number.isInteger(k) || k < 1)
      throw new InvalidRequestError(`k must be a positive integer`);
    if (!(minSimilarity >= -1 && minSimilarity <= 1))
      throw new InvalidRequestError('minSimilarity must be in [-1, 1]');
    const now = Date.now();
    return [...this.records.values()]
      .filter((r) => r.scope === options.scope && (r.expiresAt === undefined || r.expiresAt > now))
      .map((r) => ({ key: r.key, similarity: cosineSimilarity(vector, r.vector) }))
      .filter((m) => m.similarity >= minSimilarity)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k);
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.check();
    for (const key of keys) this.records.delete(key);
  }

  async clear(scope?: string): Promise<void> {
    this.check();
    if (scope === undefined) this.records.clear();
    else for (const [key, r] of [...this.records]) if (r.scope === scope) this.records.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new ClosedError('ScanVectorStore');
  }
}

/** Character-trigram hashing embedder: deterministic, unit length. */
export class TrigramEmbedder implements Embedder {
  readonly id = 'trigram@64';
  readonly dimension = 64;

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) throw new InvalidRequestError('embed needs at least one text');
    for (const t of texts) {
      if (typeof t !== 'string' || t.length === 0)
        throw new InvalidRequestError('texts must be non-empty strings');
    }
    return texts.map((t) => {
      const v = new Float32Array(this.dimension);
      const s = `  ${t.toLowerCase()} `;
      for (let i = 0; i + 3 <= s.length; i++) {
        let h = 2166136261;
        for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619);
        v[(h >>> 0) % this.dimension] += 1;
      }
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n);
      return v.map((x) => x / n);
    });
  }
}

/** Echoing chat model; `fail` makes every call reject with a retryable ModelError. */
export class EchoChatModel implements ChatModel {
  readonly id: string;

  constructor(private readonly fail = false) {
    this.id = fail ? 'echo/failing' : 'echo';
  }

  async complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse> {
    options?.signal?.throwIfAborted();
    if (this.fail) throw new ModelError('echo model told to fail', { retryable: true });
    const last = request.messages.at(-1);
    if (last === undefined) throw new InvalidRequestError('messages must not be empty');
    const content = `You said: ${last.content}`;
    return {
      content,
      model: request.model,
      finishReason: 'stop',
      usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 },
    };
  }

  async *stream(
    request: ChatRequest,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<ChatChunk> {
    const response = await this.complete(request, options);
    const words = response.content.split(/(?<= )/);
    for (let i = 0; i < words.length; i++) {
      yield i === words.length - 1
        ? { delta: words[i] as string, finishReason: 'stop', usage: response.usage }
        : { delta: words[i] as string };
    }
  }
}
