/**
 * The semantic layer: embeds the prompt, searches the vector store, checks each candidate
 * (scope, similarity, entry still there, guard), deletes orphaned vectors, and writes vectors
 * owed from earlier failures once the vector store answers again.
 */
import { performance } from 'node:perf_hooks';
import { absorb, attempt, type CacheContext, type Hit, messageOf } from './cache-context.js';
import { writeVectors } from './entry-store.js';
import { usableEntry } from './exact-layer.js';
import { prepareGuard } from './guard-preparation.js';
import { consultJudge } from './judge/consult-judge.js';
import { scopeOfKey } from './keys.js';
import type { Prepared } from './prepared-request.js';
import { semanticSkipOf } from './semantic-coverage.js';
import type { CacheEntry, GuardVerdict } from './types.js';

/** Vectors written per repair pass. */
const REPAIR_BATCH = 32;

/** Semantic lookups of one cache, with the repair of owed vectors they trigger. */
export class SemanticLayer {
  private repairing = false;

  /** Works on the state of the cache that owns it. */
  constructor(private readonly ctx: CacheContext) {}

  /** The best usable semantic hit for the request, if any (undefined without embedder or vector store). */
  async lookup(p: Prepared): Promise<Hit | undefined> {
    const ctx = this.ctx;
    const c = ctx.config;
    const vectorStore = c.vectorStore;
    if (ctx.batcher === undefined || vectorStore === undefined) return undefined;
    if (semanticSkipOf(ctx, p) !== undefined) {
      ctx.counters.recordSemanticSkip();
      return undefined;
    }
    const batcher = ctx.batcher;
    let t = performance.now();
    const embedding = attempt(
      ctx,
      'embedder',
      undefined,
      () => batcher.embed(p.prompt, p.options.signal, p.scope),
      p,
    );
    const guardReady = prepareGuard(c.guard, p.prompt);
    p.guardPrepared = true;
    const embedded = await embedding;
    p.timings.embedMs = performance.now() - t;
    const prepareMs = await guardReady;
    if (!embedded.ok) return undefined;
    t = performance.now();
    const searched = await attempt(
      ctx,
      vectorStore.name,
      c.timeouts.vectorStoreMs,
      () =>
        vectorStore.search(embedded.value, {
          scope: p.scope,
          k: c.k,
          minSimilarity: c.minSimilarity,
        }),
      p,
    );
    if (!searched.ok) {
      p.timings.searchMs = performance.now() - t;
      return undefined;
    }
    if (ctx.repairs.size > 0) await this.repairVectors(p);
    let guardMs = 0;
    try {
      for (const match of searched.value) {
        if (!(match.similarity >= c.minSimilarity) || scopeOfKeySafe(match.key) !== p.scope) {
          p.rejected.push({
            key: match.key,
            similarity: match.similarity,
            reasons: ['outside the scope or below minSimilarity'],
          });
          continue;
        }
        const got = await attempt(
          ctx,
          c.exactStore.name,
          c.timeouts.exactStoreMs,
          () => c.exactStore.get(match.key),
          p,
        );
        if (!got.ok) return undefined;
        const entry = got.value;
        if (entry === undefined || !(await usableEntry(ctx, entry, match.key, p))) {
          p.rejected.push({
            key: match.key,
            similarity: match.similarity,
            reasons: ['entry gone'],
          });
          ctx.counters.recordOrphan();
          await attempt(
            ctx,
            vectorStore.name,
            c.timeouts.vectorStoreMs,
            () => vectorStore.delete([match.key]),
            p,
            false,
          );
          continue;
        }
        if (c.guard !== undefined) {
          const g = performance.now();
          let verdict = this.judge(p, entry, match.similarity);
          // The optional judge of the uncertain band (src/judge) may overturn a score-only verdict.
          if (c.judge !== undefined) verdict = await consultJudge(ctx, p, entry, verdict);
          guardMs += performance.now() - g;
          if (!verdict.accept) {
            p.rejected.push({
              key: match.key,
              similarity: match.similarity,
              reasons: verdict.reasons,
            });
            ctx.counters.recordGuardRejection();
            continue;
          }
        }
        return { source: 'semantic', entry, similarity: match.similarity };
      }
      return undefined;
    } finally {
      if (c.guard !== undefined) p.timings.guardMs = guardMs + prepareMs;
      p.timings.searchMs = performance.now() - t - guardMs;
    }
  }

  private judge(p: Prepared, entry: CacheEntry, similarity: number): GuardVerdict {
    const guard = this.ctx.config.guard;
    if (guard === undefined) return { accept: true, reasons: [] };
    try {
      const verdict = guard.judge(p.prompt, { prompt: entry.prompt, similarity });
      return {
        accept: verdict.accept === true,
        reasons: verdict.reasons ?? [],
        score: verdict.score,
        vetoed: verdict.vetoed,
      };
    } catch (error) {
      absorb(this.ctx, error, 'guard', p);
      return { accept: false, reasons: [`guard failed: ${messageOf(error)}`] };
    }
  }

  /**
   * Writes vectors owed from earlier vector-store or embedder failures, a batch at a time,
   * once a search has shown the vector store answers again. Failures put them back.
   */
  private async repairVectors(p: Prepared): Promise<void> {
    const ctx = this.ctx;
    const c = ctx.config;
    const vectorStore = c.vectorStore;
    const batcher = ctx.batcher;
    if (vectorStore === undefined || batcher === undefined || this.repairing) return;
    this.repairing = true;
    const batch = ctx.repairs.take(REPAIR_BATCH, c.now());
    if (batch.length === 0) {
      this.repairing = false;
      return;
    }
    try {
      const written = await writeVectors(ctx, vectorStore, batcher, p, batch, false);
      if (written) ctx.counters.recordRepairs(batch.length);
      else for (const v of batch) ctx.repairs.add(v);
    } finally {
      this.repairing = false;
    }
  }
}

function scopeOfKeySafe(key: string): string | undefined {
  try {
    return scopeOfKey(key);
  } catch {
    return undefined;
  }
}
