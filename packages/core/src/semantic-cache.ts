import { performance } from 'node:perf_hooks';
import type { SemanticCacheApi } from './cache-api.js';
import { type ResolvedCacheConfig, resolveCacheConfig } from './cache-config.js';
import { attempt, type CacheContext, type Hit } from './cache-context.js';
import type { RequestOptions, SemanticCacheOptions } from './cache-options.js';
import type {
  CacheResult,
  CacheSource,
  CacheStream,
  LookupEvent,
  LookupResult,
  StoreResult,
} from './cache-result.js';
import { pumpModelStream, replay } from './cache-streaming.js';
import { ChunkQueue } from './chunk-queue.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { EmbeddingBatcher } from './embedding-batcher.js';
import { storeEntry } from './entry-store.js';
import { ClosedError, InvalidOptionError } from './errors.js';
import { lookupExact, slideExpiry } from './exact-layer.js';
import { scopeOfKey } from './keys.js';
import { languageDetectorReady, loadLanguageDetector } from './language.js';
import { CacheMetrics } from './metrics.js';
import type { MetricsSnapshot } from './metrics-snapshot.js';
import { callModel } from './model-call.js';
import { markDone, type Prepared, prepareRequest } from './prepared-request.js';
import { PromptMemo } from './prompt-memo.js';
import { semanticSkipOf } from './semantic-coverage.js';
import { SemanticLayer } from './semantic-layer.js';
import { SingleFlight } from './single-flight.js';
import type { CacheEntry, ChatModel, ChatRequest, ChatResponse } from './types.js';
import { sameAnswer, validateResponse } from './validate.js';
import { VectorRepairs } from './vector-repairs.js';

/** What a single flight produces: shared by every caller of the same key. */
interface Outcome {
  source: 'semantic' | 'model';
  response: ChatResponse;
  entry?: CacheEntry;
  similarity?: number;
  stored: boolean;
}

/**
 * A layered semantic cache in front of a chat model.
 *
 * ```ts
 * const cache = new SemanticCache({
 *   exactStore: new MemoryExactStore(),
 *   vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
 *   embedder,
 *   model: new StandInChatModel(),
 * });
 * const result = await cache.complete({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is Python?' }] });
 * result.source; // 'model' the first time, then 'exact' or 'semantic'
 * ```
 * Each request goes through policy (bypass,
 * temperature limit, TTL rules), scope hashing, the exact store, single-flight, the embedder,
 * the vector store and the guard, and on a miss the model, whose answer is stored in the exact
 * store (the source of truth, with TTL) and the vector store.
 *
 * Store, embedder and guard failures become misses and are counted (`failMode: 'open'`, the
 * default) or are thrown (`'closed'`); storing a model's answer never makes the caller lose it.
 */
export class SemanticCache implements SemanticCacheApi {
  private readonly config: ResolvedCacheConfig;
  private readonly batcher: EmbeddingBatcher | undefined;
  private readonly flights = new SingleFlight<Outcome>();
  private readonly counters: CacheMetrics;
  private readonly repairs = new VectorRepairs();
  private readonly ctx: CacheContext;
  private readonly semanticLayer: SemanticLayer;
  private readonly prompts: PromptMemo;
  /** Settles when the language detector is loaded; undefined when no decision needs it. */
  private readonly languageReady: Promise<void> | undefined;
  private closed = false;

  /** Throws `InvalidOptionError` (or `DimensionMismatchError`) on bad options. */
  constructor(options: SemanticCacheOptions) {
    this.config = resolveCacheConfig(options);
    const c = this.config;
    const breakers = new CircuitBreakers(c.circuitBreaker);
    this.counters = new CacheMetrics(
      { promptTokenCost: c.promptTokenCost, completionTokenCost: c.completionTokenCost },
      breakers,
    );
    this.batcher =
      c.embedder === undefined
        ? undefined
        : new EmbeddingBatcher(c.embedder, {
            cacheSize: c.embeddingCacheSize,
            cacheBytes: c.embeddingCacheBytes,
            maxBatch: c.maxEmbedBatch,
            timeoutMs: c.timeouts.embedderMs,
          });
    this.prompts = new PromptMemo(c.ttlRules);
    this.ctx = {
      config: c,
      counters: this.counters,
      batcher: this.batcher,
      repairs: this.repairs,
      deadlines: new Map(),
      prompts: this.prompts,
      breakers,
    };
    this.semanticLayer = new SemanticLayer(this.ctx);
    if (c.needsLanguage) {
      this.languageReady = loadLanguageDetector();
      this.languageReady.catch(() => undefined);
    }
  }

  /** Embedder calls made so far (batched calls count once). */
  get embedCalls(): number {
    return this.batcher?.embedCalls ?? 0;
  }

  /** True when a vector store and an embedder are configured. */
  get semantic(): boolean {
    return this.batcher !== undefined && this.config.vectorStore !== undefined;
  }

  /**
   * The scope, entry key and normalized prompt a request maps to (validating it like
   * `complete` does). Useful for logs, feedback and isolation tests.
   */
  keyOf(
    request: ChatRequest,
    options?: RequestOptions,
  ): { scope: string; key: string; prompt: string } {
    const p = prepareRequest(this.config, this.prompts, request, options);
    return { scope: p.scope, key: p.key, prompt: p.prompt };
  }

  /** Read-through: a cached answer, or the model's (stored unless policy or `noStore` forbids). */
  async complete(request: ChatRequest, options?: RequestOptions): Promise<CacheResult> {
    this.assertOpen();
    if (this.languageReady !== undefined && !languageDetectorReady()) await this.languageReady;
    const p = prepareRequest(this.config, this.prompts, request, options);
    const model = this.requireModel('complete');
    if (!p.cacheable) {
      const response = await callModel(this.ctx, model, p, p.options.signal);
      return this.finish('complete', p, { source: 'bypass', response, stored: false, ageMs: 0 });
    }
    if (p.options.refresh === true) return this.refresh(model, p);
    const hit = await lookupExact(this.ctx, p);
    if (hit !== undefined) {
      if (this.config.slidingTtl) await slideExpiry(this.ctx, p, hit.entry);
      return this.finishHit('complete', p, hit);
    }
    return this.missThroughFlight('complete', model, p);
  }

  /**
   * Read-through streaming. The source is known when the promise resolves: hits are replayed
   * as chunks of a few words; a miss streams the model's chunks and stores the whole answer
   * once the last chunk has arrived. The model stream runs to its end even if the reader stops
   * early (so the paid answer is cached); abort with `options.signal` to cancel it, and then
   * nothing is stored. Callers asking for the same key meanwhile share this model call.
   */
  async stream(request: ChatRequest, options?: RequestOptions): Promise<CacheStream> {
    this.assertOpen();
    if (this.languageReady !== undefined && !languageDetectorReady()) await this.languageReady;
    const p = prepareRequest(this.config, this.prompts, request, options);
    const model = this.requireModel('stream');
    if (!p.cacheable) return this.streamFromModel(model, p, 'bypass');
    if (p.options.refresh === true) return this.streamFromModel(model, p, 'refresh');
    const flightKey = p.store ? p.key : `${p.key}#no-store`;
    let hit = await lookupExact(this.ctx, p);
    if (hit === undefined && !this.flights.has(flightKey)) hit = await this.semanticLayer.lookup(p);
    if (hit !== undefined) {
      if (this.config.slidingTtl) await slideExpiry(this.ctx, p, hit.entry);
      return replay(this.finishHit('stream', p, hit));
    }
    if (this.flights.has(flightKey)) {
      return replay(await this.missThroughFlight('stream', model, p));
    }
    return this.streamFromModel(model, p, 'miss', flightKey);
  }

  /** Cache-aside lookup: never calls the model. */
  async lookup(request: ChatRequest, options?: RequestOptions): Promise<LookupResult> {
    this.assertOpen();
    if (this.languageReady !== undefined && !languageDetectorReady()) await this.languageReady;
    const p = prepareRequest(this.config, this.prompts, request, options);
    const base: Omit<LookupResult, 'hit' | 'source'> = {
      key: p.key,
      scope: p.scope,
      cacheable: p.cacheable,
      ttlMs: p.cacheable ? p.ttlMs : undefined,
      category: p.category,
      reason: p.reason,
      rejected: p.rejected,
      failures: p.failures,
      timings: p.timings,
    };
    if (!p.cacheable) {
      markDone(p);
      this.counters.recordRequest('bypass', p.timings.totalMs, false);
      this.emit(p, 'lookup', 'bypass');
      return { hit: false, source: 'bypass', ...base };
    }
    let hit: Hit | undefined;
    if (p.options.refresh !== true) {
      hit = (await lookupExact(this.ctx, p)) ?? (await this.semanticLayer.lookup(p));
    }
    if (p.semanticSkip !== undefined) base.semanticSkip = p.semanticSkip;
    if (hit === undefined) {
      markDone(p);
      this.counters.recordLookupMiss();
      this.emit(p, 'lookup', 'miss');
      return { hit: false, source: 'miss', ...base };
    }
    if (this.config.slidingTtl) await slideExpiry(this.ctx, p, hit.entry);
    const ageMs = Math.max(0, this.config.now() - hit.entry.createdAt);
    markDone(p);
    this.counters.recordRequest(hit.source, p.timings.totalMs, false);
    this.counters.recordSaved(hit.entry.response.usage);
    this.emit(p, 'lookup', hit.source, hit.similarity, ageMs);
    return {
      hit: true,
      source: hit.source,
      response: hit.entry.response,
      similarity: hit.similarity,
      matchedPrompt: hit.source === 'semantic' ? hit.entry.prompt : undefined,
      matchedKey: hit.source === 'semantic' ? hit.entry.key : undefined,
      ageMs,
      ...base,
    };
  }

  /**
   * Cache-aside store of an answer obtained elsewhere; policy (bypass, temperature, TTL rules,
   * `noStore`) still applies. With `failMode: 'closed'` a store failure is thrown.
   */
  async store(
    request: ChatRequest,
    response: ChatResponse,
    options?: RequestOptions,
  ): Promise<StoreResult> {
    this.assertOpen();
    if (this.languageReady !== undefined && !languageDetectorReady()) await this.languageReady;
    const p = prepareRequest(this.config, this.prompts, request, options);
    validateResponse(response);
    if (!p.store) {
      return {
        key: p.key,
        stored: false,
        reason: p.reason ?? 'noStore was set',
        failures: p.failures,
      };
    }
    const stored = await storeEntry(this.ctx, p, response, this.config.failMode === 'closed');
    return {
      key: p.key,
      stored,
      ttlMs: p.ttlMs,
      reason: stored ? undefined : 'the exact store failed',
      failures: p.failures,
    };
  }

  /** Deletes a wrong answer from both stores and counts the report; true when an entry was removed. */
  async reportWrongHit(key: string): Promise<boolean> {
    this.assertOpen();
    scopeOfKey(key);
    this.counters.recordWrongHit();
    return this.delete(key);
  }

  /** Deletes one entry from both stores; true when the exact store held it. */
  async delete(key: string): Promise<boolean> {
    this.assertOpen();
    scopeOfKey(key);
    const c = this.config;
    this.repairs.remove(key);
    const [removed] = await Promise.all([c.exactStore.delete(key), c.vectorStore?.delete([key])]);
    return removed;
  }

  /** Clears one scope, or everything the stores own, and forgets remembered embeddings. */
  async clear(scope?: string): Promise<void> {
    this.assertOpen();
    const c = this.config;
    this.repairs.clear(scope);
    await Promise.all([c.exactStore.clear(scope), c.vectorStore?.clear(scope)]);
    if (scope === undefined) this.batcher?.clear();
  }

  /** Counters since construction or the last `resetMetrics`. */
  metrics(): MetricsSnapshot {
    return this.counters.snapshot();
  }

  /** Zeroes the counters. */
  resetMetrics(): void {
    this.counters.reset();
  }

  /** Closes the exact store, the vector store and the embedder. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.config;
    const results = await Promise.allSettled([
      c.exactStore.close(),
      c.vectorStore?.close(),
      c.embedder?.close?.(),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  // ---- steps -------------------------------------------------------------------------------

  /** A miss of the exact layer: joins or starts the single flight of the key. */
  private async missThroughFlight(
    operation: 'complete' | 'stream',
    model: ChatModel,
    p: Prepared,
  ): Promise<CacheResult> {
    const flightKey = p.store ? p.key : `${p.key}#no-store`;
    // Worked out on the caller's own record: the flight's work runs on a copy of the leader's.
    semanticSkipOf(this.ctx, p);
    const waitStart = performance.now();
    const { value, shared } = await this.flights.run(
      flightKey,
      (signal) => this.resolveMiss(model, p, signal),
      p.options.signal,
    );
    if (shared) {
      p.timings.waitMs = performance.now() - waitStart;
      this.counters.recordShared();
      this.counters.recordSaved(value.response.usage);
    }
    if (value.source === 'semantic' && value.entry !== undefined) {
      const hit: Hit = { source: 'semantic', entry: value.entry, similarity: value.similarity };
      if (!shared && this.config.slidingTtl) await slideExpiry(this.ctx, p, hit.entry);
      return this.finishHit(operation, p, hit, shared);
    }
    return this.finish(operation, p, {
      source: 'model',
      response: structuredClone(value.response),
      stored: value.stored && !shared,
      ageMs: 0,
      shared,
      miss: true,
    });
  }

  /** Semantic layer, then the model and the store: the work one single flight shares. */
  private async resolveMiss(
    model: ChatModel,
    leader: Prepared,
    signal: AbortSignal,
  ): Promise<Outcome> {
    // The shared work answers to the flight's signal (aborted only when every waiter left),
    // not to the leader's own signal.
    const p: Prepared = { ...leader, options: { ...leader.options, signal } };
    const hit = await this.semanticLayer.lookup(p);
    if (hit !== undefined) {
      return {
        source: 'semantic',
        response: hit.entry.response,
        entry: hit.entry,
        similarity: hit.similarity,
        stored: false,
      };
    }
    const response = await callModel(this.ctx, model, p, signal);
    const stored = p.store ? await storeEntry(this.ctx, p, response, false) : false;
    return { source: 'model', response, stored };
  }

  private async refresh(model: ChatModel, p: Prepared): Promise<CacheResult> {
    const c = this.config;
    const old = await attempt(
      this.ctx,
      c.exactStore.name,
      c.timeouts.exactStoreMs,
      () => c.exactStore.get(p.key),
      p,
    );
    const response = await callModel(this.ctx, model, p, p.options.signal);
    const previous = old.ok ? old.value : undefined;
    const changed = previous === undefined ? undefined : !sameAnswer(previous.response, response);
    this.counters.recordRefresh(changed);
    const stored = p.store ? await storeEntry(this.ctx, p, response, false) : false;
    return this.finish('complete', p, { source: 'model', response, stored, ageMs: 0, changed });
  }

  /**
   * Starts the model stream at once and pumps it into a queue the caller reads from, so the
   * answer is completed and stored even if the reader stops early (abort with the request's
   * signal to cancel the model call). The outcome is shared with callers joining the flight.
   */
  private streamFromModel(
    model: ChatModel,
    p: Prepared,
    mode: 'bypass' | 'refresh' | 'miss',
    flightKey?: string,
  ): CacheStream {
    const queue = new ChunkQueue();
    const pump = pumpModelStream(this.ctx, model, p, mode, queue);
    const outcome = pump.then((r) => ({
      source: 'model' as const,
      response: r.response,
      stored: r.stored,
    }));
    outcome.catch(() => undefined);
    if (flightKey !== undefined) this.flights.adopt(flightKey, outcome, p.options.signal);
    const result = pump.then(({ response, stored, changed }) =>
      this.finish('stream', p, {
        source: mode === 'bypass' ? 'bypass' : 'model',
        response,
        stored,
        ageMs: 0,
        miss: mode === 'miss',
        changed,
      }),
    );
    result.catch(() => undefined);
    return {
      source: mode === 'bypass' ? 'bypass' : 'model',
      key: p.key,
      chunks: queue,
      result,
    };
  }

  // ---- results -----------------------------------------------------------------------------

  /**
   * The result of a hit (its sliding expiry already pushed forward, see `slideExpiry`). Not
   * async: an exact hit should not pay for promise hops it does not need.
   */
  private finishHit(
    operation: 'complete' | 'stream',
    p: Prepared,
    hit: Hit,
    shared = false,
  ): CacheResult {
    if (!shared) this.counters.recordSaved(hit.entry.response.usage);
    return this.finish(operation, p, {
      source: hit.source,
      response: shared ? structuredClone(hit.entry.response) : hit.entry.response,
      stored: false,
      ageMs: Math.max(0, this.config.now() - hit.entry.createdAt),
      similarity: hit.similarity,
      matchedPrompt: hit.source === 'semantic' ? hit.entry.prompt : undefined,
      matchedKey: hit.source === 'semantic' ? hit.entry.key : undefined,
      shared,
    });
  }

  private finish(
    operation: 'complete' | 'stream',
    p: Prepared,
    r: {
      source: CacheSource;
      response: ChatResponse;
      stored: boolean;
      ageMs: number;
      similarity?: number;
      matchedPrompt?: string;
      matchedKey?: string;
      shared?: boolean;
      miss?: boolean;
      changed?: boolean;
    },
  ): CacheResult {
    markDone(p);
    this.counters.recordRequest(r.source, p.timings.totalMs, r.miss === true);
    const result: CacheResult = {
      response: r.response,
      source: r.source,
      key: p.key,
      scope: p.scope,
      ageMs: r.ageMs,
      stored: r.stored,
      ttlMs: p.cacheable ? p.ttlMs : undefined,
      category: p.category,
      reason: p.reason,
      shared: r.shared ?? false,
      rejected: p.rejected,
      failures: p.failures,
      timings: p.timings,
    };
    if (r.similarity !== undefined) result.similarity = r.similarity;
    if (r.matchedPrompt !== undefined) result.matchedPrompt = r.matchedPrompt;
    if (r.matchedKey !== undefined) result.matchedKey = r.matchedKey;
    if (r.changed !== undefined) result.changed = r.changed;
    if (p.semanticSkip !== undefined) result.semanticSkip = p.semanticSkip;
    this.emit(p, operation, r.source, r.similarity, r.ageMs);
    return result;
  }

  /** Passes the request's `LookupEvent` to the `onLookup` hook, when there is one. */
  private emit(
    p: Prepared,
    operation: LookupEvent['operation'],
    source: LookupEvent['source'],
    similarity?: number,
    ageMs?: number,
  ): void {
    const hook = this.config.onLookup;
    if (hook === undefined) return;
    const event: LookupEvent = {
      operation,
      source,
      key: p.key,
      scope: p.scope,
      tenant: p.options.tenant,
      reason: p.reason,
      rejected: p.rejected,
      failures: p.failures,
      timings: p.timings,
    };
    if (similarity !== undefined) event.similarity = similarity;
    if (ageMs !== undefined) event.ageMs = ageMs;
    try {
      hook(event);
    } catch (error) {
      this.config.onHookError(error);
    }
  }

  private requireModel(method: string): ChatModel {
    const model = this.config.model;
    if (model === undefined) {
      throw new InvalidOptionError(
        `SemanticCache.${method} needs a model: pass { model } to the constructor, or use lookup() and store() for cache-aside use.`,
      );
    }
    return model;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('SemanticCache');
  }
}
