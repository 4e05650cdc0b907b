import { performance } from 'node:perf_hooks';
import type { SemanticCacheApi } from './cache-api.js';
import { type ResolvedCacheConfig, resolveCacheConfig } from './cache-config.js';
import type { RequestOptions, SemanticCacheOptions } from './cache-options.js';
import type {
  CacheResult,
  CacheSource,
  CacheStream,
  LookupEvent,
  LookupResult,
  RejectedCandidate,
  StepTimings,
  StoreResult,
} from './cache-result.js';
import { ChunkQueue } from './chunk-queue.js';
import { EmbeddingBatcher } from './embedding-batcher.js';
import {
  CacheError,
  ClosedError,
  InvalidOptionError,
  InvalidRequestError,
  ModelError,
  StoreUnavailableError,
  TimeoutError,
} from './errors.js';
import { scopeOfKey } from './keys.js';
import { CacheMetrics } from './metrics.js';
import type { MetricsSnapshot } from './metrics-snapshot.js';
import { normalizePrompt } from './normalize.js';
import { entryKey, scopeOf } from './scope.js';
import { SingleFlight } from './single-flight.js';
import { splitIntoChunks } from './standin-chat-model.js';
import { matchTtlRule } from './ttl-rules.js';
import type { CacheEntry, ChatChunk, ChatModel, ChatRequest, ChatResponse } from './types.js';
import {
  sanitizeMetadata,
  validateRequest,
  validateRequestOptions,
  validateResponse,
} from './validate.js';
import { VectorRepairs } from './vector-repairs.js';
import { withTimeout } from './with-timeout.js';

/** Vectors written per repair pass. */
const REPAIR_BATCH = 32;

/** A request after validation, normalization, scoping and policy. */
interface Prepared {
  request: ChatRequest;
  options: RequestOptions;
  prompt: string;
  scope: string;
  key: string;
  /** Policy allows looking up and storing. */
  cacheable: boolean;
  /** Policy allows storing and the caller did not say noStore. */
  store: boolean;
  ttlMs: number;
  category?: string;
  reason?: string;
  metadata?: Record<string, string>;
  started: number;
  timings: StepTimings;
  failures: string[];
  rejected: RejectedCandidate[];
}

/** A hit found by the exact or semantic layer. */
interface Hit {
  source: 'exact' | 'semantic';
  entry: CacheEntry;
  similarity?: number;
}

/** What a single flight produces: shared by every caller of the same key. */
interface Outcome {
  source: 'semantic' | 'model';
  response: ChatResponse;
  entry?: CacheEntry;
  similarity?: number;
  stored: boolean;
}

/** Nothing a reader could see: empty, or only format characters (zero-width space, joiners, bidi marks) and whitespace. */
const INVISIBLE_ONLY = /^[\p{Cf}\s]*$/u;

type Attempt<T> = { ok: true; value: T } | { ok: false };

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
  private repairing = false;
  private closed = false;

  /** Throws `InvalidOptionError` (or `DimensionMismatchError`) on bad options. */
  constructor(options: SemanticCacheOptions) {
    this.config = resolveCacheConfig(options);
    const c = this.config;
    this.counters = new CacheMetrics({
      promptTokenCost: c.promptTokenCost,
      completionTokenCost: c.completionTokenCost,
    });
    this.batcher =
      c.embedder === undefined
        ? undefined
        : new EmbeddingBatcher(c.embedder, {
            cacheSize: c.embeddingCacheSize,
            maxBatch: c.maxEmbedBatch,
            timeoutMs: c.timeouts.embedderMs,
          });
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
    const p = this.prepare(request, options);
    return { scope: p.scope, key: p.key, prompt: p.prompt };
  }

  /** Read-through: a cached answer, or the model's (stored unless policy or `noStore` forbids). */
  async complete(request: ChatRequest, options?: RequestOptions): Promise<CacheResult> {
    this.assertOpen();
    const p = this.prepare(request, options);
    const model = this.requireModel('complete');
    if (!p.cacheable) {
      const response = await this.callModel(model, p, p.options.signal);
      return this.finish('complete', p, { source: 'bypass', response, stored: false, ageMs: 0 });
    }
    if (p.options.refresh === true) return this.refresh(model, p);
    const hit = await this.lookupExact(p);
    if (hit !== undefined) return this.finishHit('complete', p, hit);
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
    const p = this.prepare(request, options);
    const model = this.requireModel('stream');
    if (!p.cacheable) return this.streamFromModel(model, p, 'bypass');
    if (p.options.refresh === true) return this.streamFromModel(model, p, 'refresh');
    const flightKey = p.store ? p.key : `${p.key}#no-store`;
    let hit = await this.lookupExact(p);
    if (hit === undefined && !this.flights.has(flightKey)) hit = await this.lookupSemantic(p);
    if (hit !== undefined) return replay(await this.finishHit('stream', p, hit));
    if (this.flights.has(flightKey)) {
      return replay(await this.missThroughFlight('stream', model, p));
    }
    return this.streamFromModel(model, p, 'miss', flightKey);
  }

  /** Cache-aside lookup: never calls the model. */
  async lookup(request: ChatRequest, options?: RequestOptions): Promise<LookupResult> {
    this.assertOpen();
    const p = this.prepare(request, options);
    const base = {
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
      this.done(p);
      this.counters.recordRequest('bypass', p.timings.totalMs, false);
      this.emit({ operation: 'lookup', source: 'bypass', ...this.eventBase(p) });
      return { hit: false, source: 'bypass', ...base };
    }
    let hit: Hit | undefined;
    if (p.options.refresh !== true) {
      hit = (await this.lookupExact(p)) ?? (await this.lookupSemantic(p));
    }
    if (hit === undefined) {
      this.done(p);
      this.counters.recordLookupMiss();
      this.emit({ operation: 'lookup', source: 'miss', ...this.eventBase(p) });
      return { hit: false, source: 'miss', ...base };
    }
    await this.slide(p, hit.entry);
    const ageMs = Math.max(0, this.config.now() - hit.entry.createdAt);
    this.done(p);
    this.counters.recordRequest(hit.source, p.timings.totalMs, false);
    this.counters.recordSaved(hit.entry.response.usage);
    this.emit({
      operation: 'lookup',
      source: hit.source,
      similarity: hit.similarity,
      ageMs,
      ...this.eventBase(p),
    });
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
    const p = this.prepare(request, options);
    validateResponse(response);
    if (!p.store) {
      return {
        key: p.key,
        stored: false,
        reason: p.reason ?? 'noStore was set',
        failures: p.failures,
      };
    }
    const stored = await this.storeEntry(p, response, this.config.failMode === 'closed');
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

  private prepare(request: ChatRequest, rawOptions: RequestOptions | undefined): Prepared {
    const started = performance.now();
    const c = this.config;
    const raw = validateRequest(request, c.maxPromptBytes);
    const options = validateRequestOptions(rawOptions);
    options.signal?.throwIfAborted();
    const metadata =
      options.metadata === undefined ? undefined : sanitizeMetadata(options.metadata);
    const prompt = normalizePrompt(raw, { caseFold: c.caseFold });
    if (INVISIBLE_ONLY.test(prompt)) {
      throw new InvalidRequestError(
        'the prompt (last user message) holds only control characters, invisible formatting characters (such as zero-width spaces) or whitespace; send the question to answer.',
      );
    }
    const scope = scopeOf(request, {
      version: c.version,
      namespace: options.namespace ?? c.namespace,
      tenant: options.tenant,
    });
    const key = entryKey(scope, prompt);
    let cacheable = true;
    let reason: string | undefined;
    let category: string | undefined;
    let ttlMs = options.ttlMs ?? c.ttlMs;
    if (options.bypass === true) {
      cacheable = false;
      reason = 'bypass requested';
    } else if (request.temperature !== undefined && request.temperature > c.temperatureLimit) {
      cacheable = false;
      reason = `temperature ${request.temperature} is above the cache's limit of ${c.temperatureLimit}`;
    } else {
      const rule = matchTtlRule(c.ttlRules, prompt, request);
      if (rule !== undefined) {
        category = rule.name;
        if (rule.ttlMs === 'no-store') {
          cacheable = false;
          reason = `rule "${rule.name}" says not to cache this prompt`;
        } else {
          ttlMs = options.ttlMs ?? rule.ttlMs;
        }
      }
    }
    const store = cacheable && options.noStore !== true;
    if (cacheable && !store) reason = 'noStore was set';
    return {
      request,
      options,
      prompt,
      scope,
      key,
      cacheable,
      store,
      ttlMs,
      category,
      reason,
      metadata,
      started,
      timings: { policyMs: performance.now() - started, totalMs: 0 },
      failures: [],
      rejected: [],
    };
  }

  private async lookupExact(p: Prepared): Promise<Hit | undefined> {
    const c = this.config;
    const t = performance.now();
    const got = await this.attempt(
      c.exactStore.name,
      c.timeouts.exactStoreMs,
      () => c.exactStore.get(p.key),
      p,
    );
    p.timings.exactMs = performance.now() - t;
    if (!got.ok || got.value === undefined) return undefined;
    const entry = got.value;
    if (!(await this.usable(entry, p.key, p))) return undefined;
    return { source: 'exact', entry };
  }

  private async lookupSemantic(p: Prepared): Promise<Hit | undefined> {
    const c = this.config;
    const vectorStore = c.vectorStore;
    if (this.batcher === undefined || vectorStore === undefined) return undefined;
    const batcher = this.batcher;
    let t = performance.now();
    const embedded = await this.attempt(
      'embedder',
      undefined,
      () => batcher.embed(p.prompt, p.options.signal),
      p,
    );
    p.timings.embedMs = performance.now() - t;
    if (!embedded.ok) return undefined;
    t = performance.now();
    const searched = await this.attempt(
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
    if (this.repairs.size > 0) await this.repairVectors(p);
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
        const got = await this.attempt(
          c.exactStore.name,
          c.timeouts.exactStoreMs,
          () => c.exactStore.get(match.key),
          p,
        );
        if (!got.ok) return undefined;
        const entry = got.value;
        if (entry === undefined || !(await this.usable(entry, match.key, p))) {
          p.rejected.push({
            key: match.key,
            similarity: match.similarity,
            reasons: ['entry gone'],
          });
          this.counters.recordOrphan();
          await this.attempt(
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
          const verdict = this.judge(p, entry, match.similarity);
          guardMs += performance.now() - g;
          if (!verdict.accept) {
            p.rejected.push({
              key: match.key,
              similarity: match.similarity,
              reasons: verdict.reasons,
            });
            this.counters.recordGuardRejection();
            continue;
          }
        }
        return { source: 'semantic', entry, similarity: match.similarity };
      }
      return undefined;
    } finally {
      if (c.guard !== undefined) p.timings.guardMs = guardMs;
      p.timings.searchMs = performance.now() - t - guardMs;
    }
  }

  private judge(
    p: Prepared,
    entry: CacheEntry,
    similarity: number,
  ): { accept: boolean; reasons: string[] } {
    const guard = this.config.guard;
    if (guard === undefined) return { accept: true, reasons: [] };
    try {
      const verdict = guard.judge(p.prompt, { prompt: entry.prompt, similarity });
      return { accept: verdict.accept === true, reasons: verdict.reasons ?? [] };
    } catch (error) {
      this.absorb(error, 'guard', p);
      return { accept: false, reasons: [`guard failed: ${messageOf(error)}`] };
    }
  }

  /**
   * Writes vectors owed from earlier vector-store or embedder failures, a batch at a time,
   * once a search has shown the vector store answers again. Failures put them back.
   */
  private async repairVectors(p: Prepared): Promise<void> {
    const c = this.config;
    const vectorStore = c.vectorStore;
    const batcher = this.batcher;
    if (vectorStore === undefined || batcher === undefined || this.repairing) return;
    this.repairing = true;
    const batch = this.repairs.take(REPAIR_BATCH, c.now());
    if (batch.length === 0) {
      this.repairing = false;
      return;
    }
    try {
      const embedded = await this.attempt(
        'embedder',
        undefined,
        () => Promise.all(batch.map((v) => batcher.embed(v.prompt))),
        p,
        false,
      );
      const written =
        embedded.ok &&
        (
          await this.attempt(
            vectorStore.name,
            c.timeouts.vectorStoreMs,
            () =>
              vectorStore.upsert(
                batch.map((v, i) => ({
                  key: v.key,
                  scope: v.scope,
                  vector: embedded.value[i] as Float32Array,
                  expiresAt: v.expiresAt,
                })),
              ),
            p,
            false,
          )
        ).ok;
      if (written) this.counters.recordRepairs(batch.length);
      else for (const v of batch) this.repairs.add(v);
    } finally {
      this.repairing = false;
    }
  }

  /** A miss of the exact layer: joins or starts the single flight of the key. */
  private async missThroughFlight(
    operation: 'complete' | 'stream',
    model: ChatModel,
    p: Prepared,
  ): Promise<CacheResult> {
    const flightKey = p.store ? p.key : `${p.key}#no-store`;
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
    const hit = await this.lookupSemantic(p);
    if (hit !== undefined) {
      return {
        source: 'semantic',
        response: hit.entry.response,
        entry: hit.entry,
        similarity: hit.similarity,
        stored: false,
      };
    }
    const response = await this.callModel(model, p, signal);
    const stored = p.store ? await this.storeEntry(p, response, false) : false;
    return { source: 'model', response, stored };
  }

  private async refresh(model: ChatModel, p: Prepared): Promise<CacheResult> {
    const c = this.config;
    const old = await this.attempt(
      c.exactStore.name,
      c.timeouts.exactStoreMs,
      () => c.exactStore.get(p.key),
      p,
    );
    const response = await this.callModel(model, p, p.options.signal);
    const previous = old.ok ? old.value : undefined;
    const changed =
      previous === undefined ? undefined : previous.response.content !== response.content;
    this.counters.recordRefresh(changed);
    const stored = p.store ? await this.storeEntry(p, response, false) : false;
    return this.finish('complete', p, { source: 'model', response, stored, ageMs: 0, changed });
  }

  private async callModel(
    model: ChatModel,
    p: Prepared,
    signal: AbortSignal | undefined,
  ): Promise<ChatResponse> {
    const t = performance.now();
    this.counters.recordModelCall();
    const { signal: callSignal, timeout, timeoutMs } = this.modelSignal(signal);
    try {
      const response = await withTimeout(
        model.complete(p.request, callSignal === undefined ? {} : { signal: callSignal }),
        timeoutMs,
        `${model.id}.complete`,
      );
      try {
        validateResponse(response);
      } catch (error) {
        throw new ModelError(`${model.id} returned a malformed response: ${messageOf(error)}`, {
          cause: error,
        });
      }
      return response;
    } catch (error) {
      this.counters.recordError('model');
      if (signal?.aborted === true || error instanceof CacheError) throw error;
      if (timeout?.aborted === true && timeoutMs !== undefined) {
        throw new TimeoutError(`${model.id}.complete`, timeoutMs);
      }
      throw new ModelError(`${model.id} failed: ${messageOf(error)}`, {
        cause: error,
        retryable: true,
      });
    } finally {
      p.timings.modelMs = (p.timings.modelMs ?? 0) + (performance.now() - t);
    }
  }

  /**
   * Writes the entry (exact store first, then its vector). Returns whether the exact store
   * took it. A failure is counted and reported in the result; it is thrown only when `mayThrow`.
   */
  private async storeEntry(
    p: Prepared,
    response: ChatResponse,
    mayThrow: boolean,
  ): Promise<boolean> {
    const c = this.config;
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
      const set = await this.attempt(
        c.exactStore.name,
        c.timeouts.exactStoreMs,
        () => c.exactStore.set(p.key, entry, { ttlMs: p.ttlMs }),
        p,
        mayThrow,
      );
      if (!set.ok) return false;
      this.counters.recordStore();
      const vectorStore = c.vectorStore;
      const batcher = this.batcher;
      if (vectorStore !== undefined && batcher !== undefined) {
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
        this.repairs.add(pending);
        const embedded = await this.attempt(
          'embedder',
          undefined,
          () => batcher.embed(p.prompt),
          p,
          mayThrow,
        );
        const upserted =
          embedded.ok &&
          (
            await this.attempt(
              vectorStore.name,
              c.timeouts.vectorStoreMs,
              () =>
                vectorStore.upsert([
                  {
                    key: p.key,
                    scope: p.scope,
                    vector: embedded.value,
                    expiresAt: pending.expiresAt,
                  },
                ]),
              p,
              mayThrow,
            )
          ).ok;
        if (upserted) this.repairs.remove(p.key);
      }
      return true;
    } finally {
      p.timings.storeMs = (p.timings.storeMs ?? 0) + (performance.now() - t);
    }
  }

  /** Sliding TTL: pushes a hit entry's expiry forward, never past its maximum age. */
  private async slide(p: Prepared, entry: CacheEntry): Promise<void> {
    const c = this.config;
    if (!c.slidingTtl || entry.maxExpiresAt === undefined) return;
    const now = c.now();
    const expiresAt = Math.min(now + p.ttlMs, entry.maxExpiresAt);
    const ttlMs = Math.floor(expiresAt - now);
    if (expiresAt <= entry.expiresAt || ttlMs < 1) return;
    const updated: CacheEntry = { ...entry, expiresAt };
    await this.attempt(
      c.exactStore.name,
      c.timeouts.exactStoreMs,
      () => c.exactStore.set(entry.key, updated, { ttlMs }),
      p,
      false,
    );
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
    const pump = this.pumpModelStream(model, p, mode, queue);
    const outcome = pump.then((r) => ({
      source: 'model' as const,
      response: r.response,
      stored: r.stored,
    }));
    outcome.catch(() => undefined);
    if (flightKey !== undefined) this.flights.adopt(flightKey, outcome);
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

  private async pumpModelStream(
    model: ChatModel,
    p: Prepared,
    mode: 'bypass' | 'refresh' | 'miss',
    queue: ChunkQueue,
  ): Promise<{ response: ChatResponse; stored: boolean; changed?: boolean }> {
    const c = this.config;
    try {
      let previous: CacheEntry | undefined;
      if (mode === 'refresh') {
        const old = await this.attempt(
          c.exactStore.name,
          c.timeouts.exactStoreMs,
          () => c.exactStore.get(p.key),
          p,
        );
        previous = old.ok ? old.value : undefined;
      }
      const response =
        model.stream === undefined
          ? await this.callModel(model, p, p.options.signal)
          : await this.callModelStream(model, p, queue);
      if (model.stream === undefined)
        for await (const chunk of replayChunks(response)) queue.push(chunk);
      let changed: boolean | undefined;
      if (mode === 'refresh') {
        changed =
          previous === undefined ? undefined : previous.response.content !== response.content;
        this.counters.recordRefresh(changed);
      }
      const stored =
        mode !== 'bypass' && p.store ? await this.storeEntry(p, response, false) : false;
      queue.end();
      return { response, stored, changed };
    } catch (error) {
      queue.fail(error);
      throw error;
    }
  }

  private async callModelStream(
    model: ChatModel,
    p: Prepared,
    queue: ChunkQueue,
  ): Promise<ChatResponse> {
    const stream = model.stream?.bind(model);
    if (stream === undefined) throw new ModelError(`${model.id} cannot stream.`);
    const t = performance.now();
    this.counters.recordModelCall();
    const { signal, timeout, timeoutMs } = this.modelSignal(p.options.signal);
    let content = '';
    let finishReason = 'stop';
    let usage: ChatResponse['usage'];
    try {
      for await (const chunk of stream(p.request, signal === undefined ? {} : { signal })) {
        if (typeof chunk?.delta !== 'string') {
          throw new ModelError(`${model.id} streamed a chunk without a string delta.`);
        }
        content += chunk.delta;
        if (chunk.finishReason !== undefined) finishReason = chunk.finishReason;
        if (chunk.usage !== undefined) usage = chunk.usage;
        queue.push(chunk);
      }
    } catch (error) {
      this.counters.recordError('model');
      if (p.options.signal?.aborted === true || error instanceof CacheError) throw error;
      if (timeout?.aborted === true && timeoutMs !== undefined) {
        throw new TimeoutError(`${model.id}.stream`, timeoutMs);
      }
      throw new ModelError(`${model.id} stream failed: ${messageOf(error)}`, {
        cause: error,
        retryable: true,
      });
    } finally {
      p.timings.modelMs = (p.timings.modelMs ?? 0) + (performance.now() - t);
    }
    const response: ChatResponse = { content, model: p.request.model, finishReason };
    if (usage !== undefined) response.usage = usage;
    return response;
  }

  /** The caller's signal combined with the model timeout, when one is set. */
  private modelSignal(caller: AbortSignal | undefined): {
    signal: AbortSignal | undefined;
    timeout: AbortSignal | undefined;
    timeoutMs: number | undefined;
  } {
    const timeoutMs = this.config.timeouts.modelMs;
    const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [caller, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return { signal, timeout, timeoutMs };
  }

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * Runs one store/embedder call with a timeout. A failure is counted and reported; with
   * `failMode: 'closed'` (and `mayThrow`) it is thrown as a typed error, otherwise it is a miss.
   */
  private async attempt<T>(
    where: string,
    timeoutMs: number | undefined,
    op: () => Promise<T>,
    p: Prepared,
    mayThrow = true,
  ): Promise<Attempt<T>> {
    try {
      return {
        ok: true,
        value: await withTimeout(Promise.resolve().then(op), timeoutMs, `${where} store call`),
      };
    } catch (error) {
      if (p.options.signal?.aborted === true) throw p.options.signal.reason;
      this.absorb(error, where, p);
      if (mayThrow && this.config.failMode === 'closed') {
        throw error instanceof CacheError
          ? error
          : new StoreUnavailableError(
              where,
              `${messageOf(error)}. Check the server, or use failMode 'open' to answer from the model meanwhile.`,
              { cause: error },
            );
      }
      return { ok: false };
    }
  }

  private absorb(error: unknown, where: string, p: Prepared): void {
    this.counters.recordError(where);
    p.failures.push(where);
    if (this.config.onError !== undefined) {
      try {
        this.config.onError(error, where);
      } catch (hookError) {
        this.config.onHookError(hookError);
      }
    }
  }

  /**
   * Whether a stored entry may be served for `key`. A malformed entry, or one filed under the
   * wrong key, is counted as corrupt and deleted; an expired one is just not served.
   */
  private async usable(entry: CacheEntry, key: string, p: Prepared): Promise<boolean> {
    const c = this.config;
    const wellFormed =
      entry !== null &&
      typeof entry === 'object' &&
      entry.key === key &&
      entry.scope === p.scope &&
      typeof entry.prompt === 'string' &&
      // A well-formed value copied under another key (stores like Redis derive key and scope
      // from where the value sits) must not answer that key's question.
      entryKey(p.scope, entry.prompt) === key &&
      typeof entry.response?.content === 'string' &&
      typeof entry.createdAt === 'number' &&
      typeof entry.expiresAt === 'number';
    if (!wellFormed) {
      this.counters.recordError(`${c.exactStore.name}:corrupt`);
      p.failures.push(`${c.exactStore.name}:corrupt`);
      await this.attempt(
        c.exactStore.name,
        c.timeouts.exactStoreMs,
        () => c.exactStore.delete(key),
        p,
        false,
      );
      return false;
    }
    return entry.expiresAt > c.now();
  }

  private async finishHit(
    operation: 'complete' | 'stream',
    p: Prepared,
    hit: Hit,
    shared = false,
  ): Promise<CacheResult> {
    if (!shared) await this.slide(p, hit.entry);
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
    this.done(p);
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
    this.emit({
      operation,
      source: r.source,
      similarity: r.similarity,
      ageMs: r.ageMs,
      ...this.eventBase(p),
    });
    return result;
  }

  private done(p: Prepared): void {
    p.timings.totalMs = performance.now() - p.started;
  }

  private eventBase(
    p: Prepared,
  ): Pick<
    LookupEvent,
    'key' | 'scope' | 'tenant' | 'reason' | 'rejected' | 'failures' | 'timings'
  > {
    return {
      key: p.key,
      scope: p.scope,
      tenant: p.options.tenant,
      reason: p.reason,
      rejected: p.rejected,
      failures: p.failures,
      timings: p.timings,
    };
  }

  private emit(event: LookupEvent): void {
    const hook = this.config.onLookup;
    if (hook === undefined) return;
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

function replay(result: CacheResult): CacheStream {
  return {
    source: result.source,
    key: result.key,
    similarity: result.similarity,
    matchedKey: result.matchedKey,
    chunks: replayChunks(result.response),
    result: Promise.resolve(result),
  };
}

async function* replayChunks(response: ChatResponse): AsyncGenerator<ChatChunk> {
  const pieces = splitIntoChunks(response.content);
  for (let i = 0; i < pieces.length; i++) {
    const delta = pieces[i] as string;
    if (i < pieces.length - 1) yield { delta };
    else
      yield {
        delta,
        finishReason: response.finishReason,
        ...(response.usage ? { usage: response.usage } : {}),
      };
  }
}

function scopeOfKeySafe(key: string): string | undefined {
  try {
    return scopeOfKey(key);
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
