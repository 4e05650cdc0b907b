/**
 * Storing an answer: the entry goes to the exact store (the source of truth, with TTL), then
 * its vector to the vector store; a vector that cannot be written yet is owed for repair.
 */
import { performance } from 'node:perf_hooks';
import { attempt, type CacheContext } from './cache-context.js';
import type { EmbeddingBatcher } from './embedding-batcher.js';
import { prepareGuard } from './guard-preparation.js';
import type { Prepared } from './prepared-request.js';
import { semanticSkipOf } from './semantic-coverage.js';
import type { CacheEntry, ChatResponse, VectorStore } from './types.js';
import { isPlainTextResponse } from './validate.js';
import type { PendingVector } from './vector-repairs.js';

/**
 * Writes the entry (exact store first, then its vector). Returns whether the exact store
 * took it. A failure is counted and reported in the result; it is thrown only when `mayThrow`.
 */
export async function storeEntry(
  ctx: CacheContext,
  p: Prepared,
  response: ChatResponse,
  mayThrow: boolean,
): Promise<boolean> {
  const c = ctx.config;
  const t = performance.now();
  try {
    const now = c.now();
    const entry: CacheEntry = {
      key: p.key,
      scope: p.scope,
      prompt: p.prompt,
      response: structuredClone(response),
      createdAt: now,
      expiresAt: now + p.ttlMs,
    };
    if (c.slidingTtl) entry.maxExpiresAt = now + Math.max(c.maxAgeMs, p.ttlMs);
    if (p.metadata !== undefined) entry.metadata = p.metadata;
    const set = await attempt(
      ctx,
      c.exactStore.name,
      c.timeouts.exactStoreMs,
      () => c.exactStore.set(p.key, entry, { ttlMs: p.ttlMs }),
      p,
      mayThrow,
    );
    if (!set.ok) return false;
    ctx.counters.recordStore();
    const vectorStore = c.vectorStore;
    const batcher = ctx.batcher;
    // Only plain-text answers to plain-text prompts the embedder covers are ever served semantically.
    const semantic = semanticSkipOf(ctx, p) === undefined && isPlainTextResponse(response);
    if (vectorStore !== undefined && batcher !== undefined && semantic) {
      // With a sliding TTL the vector lives until the maximum age; the exact store decides
      // whether the entry is still there, and orphaned vectors are cleaned on lookup.
      const pending = {
        key: p.key,
        scope: p.scope,
        prompt: p.prompt,
        expiresAt: entry.maxExpiresAt ?? entry.expiresAt,
      };
      // Owed until written: the entry is served by exact hits meanwhile, and its vector is
      // written once the vector store answers again (paraphrase hits resume without a restart).
      ctx.repairs.add(pending);
      const written = writeVectors(ctx, vectorStore, batcher, p, [pending], mayThrow);
      // Lookups will judge this prompt as a candidate: the guard analyzes it during the
      // embedding, unless this request's own lookup already had it analyzed.
      if (p.guardPrepared !== true) void prepareGuard(c.guard, p.prompt);
      if (await written) {
        ctx.repairs.remove(p.key);
      }
    }
    return true;
  } finally {
    p.timings.storeMs = (p.timings.storeMs ?? 0) + (performance.now() - t);
  }
}

/**
 * Embeds the prompts of `vectors` and upserts them into the vector store; true when both
 * calls succeeded. A failure is counted and reported; it is thrown only when `mayThrow`.
 */
export async function writeVectors(
  ctx: CacheContext,
  vectorStore: VectorStore,
  batcher: EmbeddingBatcher,
  p: Prepared,
  vectors: PendingVector[],
  mayThrow: boolean,
): Promise<boolean> {
  const embedded = await attempt(
    ctx,
    'embedder',
    undefined,
    () => Promise.all(vectors.map((v) => batcher.embed(v.prompt, undefined, v.scope))),
    p,
    mayThrow,
  );
  if (!embedded.ok) return false;
  const upserted = await attempt(
    ctx,
    vectorStore.name,
    ctx.config.timeouts.vectorStoreMs,
    () =>
      vectorStore.upsert(
        vectors.map((v, i) => ({
          key: v.key,
          scope: v.scope,
          vector: embedded.value[i] as Float32Array,
          expiresAt: v.expiresAt,
        })),
      ),
    p,
    mayThrow,
  );
  return upserted.ok;
}
