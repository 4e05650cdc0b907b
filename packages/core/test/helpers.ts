import { createHash } from 'node:crypto';
import {
  type CacheEntry,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  ClosedError,
  cosineSimilarity,
  type Embedder,
  type ExactSetOptions,
  type ExactStore,
  MemoryExactStore,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '../src/index.js';
import { assertValidVector } from '../src/vector.js';

/** A request with one user message. */
export function ask(content: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'test-model', messages: [{ role: 'user', content }], ...extra };
}

/** A settable clock. */
export class Clock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Waits for the next macrotask (every pending microtask has run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Bag-of-words embedder: each lower-cased word adds a ±1 at a hashed position, so prompts
 * sharing most words are similar and prompts sharing none are near orthogonal.
 */
export class WordEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  calls: string[][] = [];
  fail: Error | undefined;

  constructor(dimension = 256, id = 'words') {
    this.dimension = dimension;
    this.id = id;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    if (this.fail !== undefined) throw this.fail;
    return texts.map((text) => {
      const v = new Float32Array(this.dimension);
      v[0] = 0.01;
      for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
        const h = createHash('md5').update(word).digest();
        v[h.readUInt16BE(0) % this.dimension] += h[2] % 2 === 0 ? 1 : -1;
      }
      return v;
    });
  }
}

/** Brute-force in-memory vector store for tests (core cannot depend on an adapter). */
export class BruteForceVectorStore implements VectorStore {
  readonly name = 'brute';
  readonly records = new Map<string, VectorRecord>();
  deleted: string[] = [];
  constructor(
    readonly dimension: number,
    private readonly now: () => number = Date.now,
  ) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    for (const r of records) assertValidVector(r.vector, this.dimension, 'brute.upsert');
    for (const r of records) this.records.set(r.key, { ...r, vector: Float32Array.from(r.vector) });
  }

  async search(vector: Float32Array, o: VectorSearchOptions): Promise<VectorMatch[]> {
    assertValidVector(vector, this.dimension, 'brute.search');
    const out: VectorMatch[] = [];
    for (const r of this.records.values()) {
      if (r.scope !== o.scope) continue;
      if (r.expiresAt !== undefined && r.expiresAt <= this.now()) continue;
      const similarity = cosineSimilarity(vector, r.vector);
      if (similarity >= o.minSimilarity) out.push({ key: r.key, similarity });
    }
    return out.sort((a, b) => b.similarity - a.similarity).slice(0, o.k);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) {
      this.deleted.push(k);
      this.records.delete(k);
    }
  }

  async clear(scope?: string): Promise<void> {
    for (const [k, r] of this.records)
      if (scope === undefined || r.scope === scope) this.records.delete(k);
  }

  async close(): Promise<void> {}
}

/** A model answering `answer: <prompt>` that counts calls; `gate` holds answers until opened. */
export class CountingModel implements ChatModel {
  readonly id = 'counting';
  calls = 0;
  requests: ChatRequest[] = [];
  fail: Error | undefined;
  version = 1;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    this.calls++;
    this.requests.push(request);
    if (this.gate !== undefined) await this.gate;
    if (this.fail !== undefined) throw this.fail;
    const prompt = request.messages.at(-1)?.content ?? '';
    return {
      content: `answer v${this.version}: ${prompt}`,
      model: request.model,
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
    };
  }
}

type Method = 'get' | 'set' | 'delete' | 'clear';

/** Wraps an exact store; `failing` methods reject, `hanging` methods never settle. */
export class FaultyExactStore implements ExactStore {
  readonly name = 'faulty';
  failing = new Set<Method>();
  hanging = new Set<Method>();
  calls: Record<Method, number> = { get: 0, set: 0, delete: 0, clear: 0 };
  /** Values `get` returns instead of the stored entry (undecodable data), until deleted. */
  garbage = new Map<string, unknown>();
  constructor(readonly inner: ExactStore = new MemoryExactStore()) {}

  private gate<T>(method: Method, op: () => Promise<T>): Promise<T> {
    this.calls[method]++;
    if (this.hanging.has(method)) return new Promise<T>(() => undefined);
    if (this.failing.has(method))
      return Promise.reject(new Error(`connection refused (${method})`));
    return op();
  }

  get(key: string): Promise<CacheEntry | undefined> {
    if (this.garbage.has(key))
      return this.gate('get', async () => this.garbage.get(key) as CacheEntry);
    return this.gate('get', () => this.inner.get(key));
  }
  set(key: string, entry: CacheEntry, options: ExactSetOptions): Promise<void> {
    return this.gate('set', () => this.inner.set(key, entry, options));
  }
  delete(key: string): Promise<boolean> {
    this.garbage.delete(key);
    return this.gate('delete', () => this.inner.delete(key));
  }
  clear(scope?: string): Promise<void> {
    return this.gate('clear', () => this.inner.clear(scope));
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** Wraps a vector store so its calls can fail. */
export class FaultyVectorStore implements VectorStore {
  readonly name = 'faulty-vectors';
  failing = false;
  hanging = false;
  constructor(readonly inner: VectorStore) {}
  get dimension(): number {
    return this.inner.dimension;
  }
  private gate<T>(op: () => Promise<T>): Promise<T> {
    if (this.hanging) return new Promise<T>(() => undefined);
    if (this.failing) return Promise.reject(new Error('vector backend down'));
    return op();
  }
  upsert(records: readonly VectorRecord[]): Promise<void> {
    return this.gate(() => this.inner.upsert(records));
  }
  search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    return this.gate(() => this.inner.search(vector, options));
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.gate(() => this.inner.delete(keys));
  }
  clear(scope?: string): Promise<void> {
    return this.gate(() => this.inner.clear(scope));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Every live entry of a memory store, by key (for "nothing changed" checks). */
export async function snapshotStore(store: MemoryExactStore): Promise<Map<string, CacheEntry>> {
  const out = new Map<string, CacheEntry>();
  for (const key of store.keys()) {
    const entry = await store.get(key);
    if (entry !== undefined) out.set(key, entry);
  }
  return out;
}

export { ClosedError };
