import { LRUCache } from 'lru-cache';

/** An entry stored in the exact store whose vector could not be written yet. */
export interface PendingVector {
  /** Entry key. */
  key: string;
  /** Entry scope. */
  scope: string;
  /** Normalized prompt to embed. */
  prompt: string;
  /** When the vector record should expire (epoch ms). */
  expiresAt: number;
}

/**
 * Vectors owed to the vector store: entries the exact store took while the vector store (or
 * the embedder) failed. Bounded (oldest dropped first), so an outage cannot grow it without
 * limit; a dropped or expired one only costs paraphrase hits, never a wrong answer.
 */
export class VectorRepairs {
  private readonly pending: LRUCache<string, PendingVector>;

  constructor(max = 1000) {
    this.pending = new LRUCache({ max });
  }

  /** Vectors waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Remembers a vector to write later (replacing an older one for the same key). */
  add(vector: PendingVector): void {
    this.pending.set(vector.key, vector);
  }

  /** Forgets `key` (its vector was written, or the entry was deleted). */
  remove(key: string): void {
    this.pending.delete(key);
  }

  /** Removes and returns up to `n` pending vectors that have not expired at `now`. */
  take(n: number, now: number): PendingVector[] {
    const out: PendingVector[] = [];
    for (const [key, vector] of [...this.pending.entries()]) {
      this.pending.delete(key);
      if (vector.expiresAt > now) out.push(vector);
      if (out.length >= n) break;
    }
    return out;
  }

  /** Forgets everything, or everything of `scope`. */
  clear(scope?: string): void {
    if (scope === undefined) {
      this.pending.clear();
      return;
    }
    for (const [key, vector] of [...this.pending.entries()]) {
      if (vector.scope === scope) this.pending.delete(key);
    }
  }
}
