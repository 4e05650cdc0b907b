import {
  assertValidVector,
  cosineSimilarity,
  type VectorMatch,
  type VectorRecord,
  type VectorSearchOptions,
  type VectorStore,
} from '@cache/core';

/**
 * A deliberately broken vector store: brute-force search that ignores the scope filter. Used to
 * show that the isolation property test really meets cross-scope candidates, and that the cache
 * still never serves one.
 */
export class ScopeBlindVectorStore implements VectorStore {
  readonly name = 'scope-blind';
  readonly dimension: number;
  private readonly records = new Map<string, VectorRecord>();
  /** Matches returned whose record belongs to another scope than the one searched. */
  foreignMatches = 0;

  constructor(dimension: number) {
    this.dimension = dimension;
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    for (const r of records) assertValidVector(r.vector, this.dimension, 'ScopeBlindVectorStore');
    for (const r of records) this.records.set(r.key, { ...r, vector: r.vector.slice() });
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorMatch[]> {
    const scored: (VectorMatch & { scope: string })[] = [];
    for (const r of this.records.values()) {
      const similarity = cosineSimilarity(vector, r.vector);
      if (similarity >= options.minSimilarity)
        scored.push({ key: r.key, similarity, scope: r.scope });
    }
    scored.sort((a, b) => b.similarity - a.similarity);
    const top = scored.slice(0, options.k);
    this.foreignMatches += top.filter((m) => m.scope !== options.scope).length;
    return top.map(({ key, similarity }) => ({ key, similarity }));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.records.delete(key);
  }

  async clear(): Promise<void> {
    this.records.clear();
  }

  async close(): Promise<void> {
    this.records.clear();
  }
}
