import {
  assertValidVector,
  ClosedError,
  cosineSimilarity,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';

/**
 * A brute-force in-memory vector store, only so these tests can run `SemanticCache` with a
 * semantic layer without depending on another adapter package.
 */
export class ArrayVectorStore implements VectorStore {
  readonly name = 'array';
  readonly #records = new Map<string, VectorRecord>();
  #closed = false;

  constructor(readonly dimension: number) {}

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    this.#open();
    for (const r of records) assertValidVector(r.vector, this.dimension, 'ArrayVectorStore.upsert');
    for (const r of records) this.#records.set(r.key, r);
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    this.#open();
    assertValidVector(vector, this.dimension, 'ArrayVectorStore.search');
    const now = Date.now();
    return [...this.#records.values()]
      .filter((r) => r.scope === options.scope && (r.expiresAt === undefined || r.expiresAt > now))
      .map((r) => ({ key: r.key, similarity: cosineSimilarity(vector, r.vector) }))
      .filter((m) => m.similarity >= options.minSimilarity)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, options.k);
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.#open();
    for (const key of keys) this.#records.delete(key);
  }

  async clear(scope?: string): Promise<void> {
    this.#open();
    for (const [key, r] of this.#records)
      if (scope === undefined || r.scope === scope) this.#records.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('ArrayVectorStore');
  }
}
