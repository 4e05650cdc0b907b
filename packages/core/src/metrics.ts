import type { CostOptions } from './cache-options.js';
import type { CacheSource } from './cache-result.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { JudgeMetrics, LatencySummary, MetricsSnapshot } from './metrics-snapshot.js';
import type { TokenUsage } from './types.js';

/** Latency samples kept per source: percentiles describe the most recent ones. */
export const LATENCY_WINDOW = 2048;

const SOURCES: readonly CacheSource[] = ['exact', 'semantic', 'model', 'bypass'];

/** A fixed-size ring of recent samples. */
class LatencyWindow {
  private readonly samples = new Float64Array(LATENCY_WINDOW);
  private count = 0;

  add(ms: number): void {
    this.samples[this.count % LATENCY_WINDOW] = ms;
    this.count++;
  }

  summary(): LatencySummary {
    const n = Math.min(this.count, LATENCY_WINDOW);
    if (n === 0) return { count: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    const sorted = Float64Array.from(this.samples.subarray(0, n)).sort();
    let sum = 0;
    for (const x of sorted) sum += x;
    const at = (q: number): number => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] as number;
    return {
      count: this.count,
      meanMs: sum / n,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted[n - 1] as number,
    };
  }
}

/**
 * The cache's counters: answers by source, misses, failures by store, latency per source,
 * tokens and cost saved, staleness of refreshed entries, wrong-hit reports.
 */
export class CacheMetrics {
  private readonly cost: Required<CostOptions>;
  private requests = 0;
  private bySource: Record<CacheSource, number> = { exact: 0, semantic: 0, model: 0, bypass: 0 };
  private misses = 0;
  private errors: Record<string, number> = {};
  private latency = new Map<CacheSource, LatencyWindow>();
  private modelCalls = 0;
  private sharedCalls = 0;
  private tokensSaved = 0;
  private costSaved = 0;
  private staleness = { refreshes: 0, compared: 0, changed: 0 };
  private wrongHits = 0;
  private guardRejections = 0;
  private semanticSkips = 0;
  private orphansCleaned = 0;
  private stores = 0;
  private vectorsRepaired = 0;
  private judge: JudgeMetrics = emptyJudgeMetrics();

  /** `breakers`: the cache's circuit breakers, whose states the snapshot shows. */
  constructor(
    cost: CostOptions = {},
    private readonly breakers?: CircuitBreakers,
  ) {
    this.cost = {
      promptTokenCost: cost.promptTokenCost ?? 0,
      completionTokenCost: cost.completionTokenCost ?? 0,
    };
    this.reset();
  }

  /** Counts one answered call. `miss` marks a cacheable request the cache did not hold. */
  recordRequest(source: CacheSource, ms: number, miss: boolean): void {
    this.requests++;
    this.bySource[source]++;
    if (miss) this.misses++;
    this.latency.get(source)?.add(ms);
  }

  /** Counts a cache-aside lookup that missed. */
  recordLookupMiss(): void {
    this.requests++;
    this.misses++;
  }

  /** Counts a served hit's tokens and their estimated cost as saved. */
  recordSaved(usage: TokenUsage | undefined): void {
    if (usage === undefined) return;
    this.tokensSaved += usage.totalTokens;
    this.costSaved +=
      usage.promptTokens * this.cost.promptTokenCost +
      usage.completionTokens * this.cost.completionTokenCost;
  }

  /** Counts a failure (error or timeout) of a store, the embedder, the guard or the model. */
  recordError(where: string): void {
    this.errors[where] = (this.errors[where] ?? 0) + 1;
  }

  /** Counts a model call actually made. */
  recordModelCall(): void {
    this.modelCalls++;
  }

  /** Counts a caller that joined another caller's model call. */
  recordShared(): void {
    this.sharedCalls++;
  }

  /** Counts a refresh; `changed` is undefined when there was no stored answer to compare. */
  recordRefresh(changed: boolean | undefined): void {
    this.staleness.refreshes++;
    if (changed === undefined) return;
    this.staleness.compared++;
    if (changed) this.staleness.changed++;
  }

  /** Counts a wrong-hit report. */
  recordWrongHit(): void {
    this.wrongHits++;
  }

  /** Counts a semantic candidate rejected by the guard. */
  recordGuardRejection(): void {
    this.guardRejections++;
  }

  /** Counts a semantic lookup skipped: the prompt is outside the embedder's or guard's coverage. */
  recordSemanticSkip(): void {
    this.semanticSkips++;
  }

  /** Counts one event of the judge (see `JudgeMetrics`). */
  recordJudge(
    event: 'call' | 'accepted' | 'rejected' | 'failure' | 'budgetExhausted' | 'cacheHit',
  ): void {
    const j = this.judge;
    if (event === 'call') j.calls++;
    else if (event === 'accepted') j.accepted++;
    else if (event === 'rejected') j.rejected++;
    else if (event === 'failure') j.failures++;
    else if (event === 'budgetExhausted') j.budgetExhausted++;
    else j.cacheHits++;
  }

  /** Counts a vector record whose entry was gone. */
  recordOrphan(): void {
    this.orphansCleaned++;
  }

  /** Counts vectors written late, after a vector-store or embedder failure. */
  recordRepairs(n: number): void {
    this.vectorsRepaired += n;
  }

  /** Counts an entry written. */
  recordStore(): void {
    this.stores++;
  }

  /** A copy of every counter. */
  snapshot(): MetricsSnapshot {
    const hits = this.bySource.exact + this.bySource.semantic;
    const latency = {} as Record<CacheSource, LatencySummary>;
    for (const source of SOURCES) {
      latency[source] = this.latency.get(source)?.summary() ?? new LatencyWindow().summary();
    }
    return {
      requests: this.requests,
      bySource: { ...this.bySource },
      misses: this.misses,
      hitRate: hits + this.misses === 0 ? 0 : hits / (hits + this.misses),
      errors: { ...this.errors },
      circuits: this.breakers?.states() ?? {},
      latency,
      modelCalls: this.modelCalls,
      sharedCalls: this.sharedCalls,
      tokensSaved: this.tokensSaved,
      costSaved: this.costSaved,
      staleness: { ...this.staleness },
      wrongHits: this.wrongHits,
      guardRejections: this.guardRejections,
      semanticSkips: this.semanticSkips,
      judge: { ...this.judge },
      orphansCleaned: this.orphansCleaned,
      stores: this.stores,
      vectorsRepaired: this.vectorsRepaired,
    };
  }

  /** Zeroes every counter. */
  reset(): void {
    this.requests = 0;
    this.bySource = { exact: 0, semantic: 0, model: 0, bypass: 0 };
    this.misses = 0;
    this.errors = {};
    this.latency = new Map(SOURCES.map((s) => [s, new LatencyWindow()]));
    this.modelCalls = 0;
    this.sharedCalls = 0;
    this.tokensSaved = 0;
    this.costSaved = 0;
    this.staleness = { refreshes: 0, compared: 0, changed: 0 };
    this.wrongHits = 0;
    this.guardRejections = 0;
    this.semanticSkips = 0;
    this.judge = emptyJudgeMetrics();
    this.orphansCleaned = 0;
    this.stores = 0;
    this.vectorsRepaired = 0;
  }
}

function emptyJudgeMetrics(): JudgeMetrics {
  return { calls: 0, accepted: 0, rejected: 0, failures: 0, budgetExhausted: 0, cacheHits: 0 };
}
