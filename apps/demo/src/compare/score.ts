import type { CacheSource, TokenUsage } from '@cache/core';
import { comparable } from '../workload/build.js';
import type { WorkloadRequest } from '../workload/types.js';
import { percentile, sum } from './percentile.js';

/** Token prices used for cost figures (USD per token). Defaults: gpt-4o-mini list prices. */
export const PRICES = { promptTokenCost: 0.15 / 1e6, completionTokenCost: 0.6 / 1e6 };

/** One request's outcome under one configuration. */
export interface Outcome {
  /** Where the answer came from. */
  source: CacheSource;
  /** On a hit, the stored prompt whose answer was served. */
  servedPrompt?: string;
  /** Similarity of a semantic hit. */
  similarity?: number;
  /** Latency with this configuration, ms (simulated model time included). */
  latencyMs: number;
  /** Latency the same request has without any cache, ms. */
  uncachedMs: number;
  /** Token usage of the served answer. */
  usage?: TokenUsage;
}

/** Figures of one configuration over a workload. */
export interface ConfigScore {
  /** Configuration name. */
  name: string;
  /** What it is. */
  description: string;
  /** Requests replayed. */
  requests: number;
  /** Answers by source. */
  bySource: Record<CacheSource, number>;
  /** (exact + semantic) / requests that were not bypassed. */
  hitRate: number;
  /** Hits that served an answer stored for a prompt not among the request's accepted ones. */
  wrongHits: number;
  /** Hits on non-duplicate pairs / non-duplicate pairs (the usual wrong-hit rate). */
  wrongHitRate: number;
  /** Right hits / all hits (1 with no hit). */
  precision: number;
  /** Right hits on duplicate pairs / duplicate pairs. */
  recall: number;
  /** Model calls made. */
  modelCalls: number;
  /** Model calls the cache avoided. */
  callsSaved: number;
  /** Estimated cost of the avoided calls, USD. */
  costSaved: number;
  /** Latency percentiles with this configuration and without a cache, ms. */
  latency: { p50: number; p99: number; uncachedP50: number; uncachedP99: number };
  /** Total time saved against no cache, ms. */
  timeSavedMs: number;
  /** Per-request latencies, ms (for the report's distributions). */
  latencies: number[];
  /** Similarities of semantic hits, split by right and wrong. */
  semanticSimilarities: { right: number[]; wrong: number[] };
}

/** Collects outcomes of one configuration and turns them into a {@link ConfigScore}. */
export class ScoreCard {
  readonly #outcomes: { request: WorkloadRequest; outcome: Outcome }[] = [];

  /** Creates an empty card. */
  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  /** Adds one request's outcome. */
  add(request: WorkloadRequest, outcome: Outcome): void {
    this.#outcomes.push({ request, outcome });
  }

  /** Computes the figures. */
  score(): ConfigScore {
    const bySource: Record<CacheSource, number> = { exact: 0, semantic: 0, model: 0, bypass: 0 };
    let hits = 0;
    let wrong = 0;
    let distinct = 0;
    let distinctHits = 0;
    let duplicates = 0;
    let duplicateRight = 0;
    let costSaved = 0;
    const right: number[] = [];
    const wrongSims: number[] = [];
    for (const { request, outcome } of this.#outcomes) {
      bySource[outcome.source] += 1;
      if (request.kind === 'distinct') distinct += 1;
      if (request.kind === 'duplicate') duplicates += 1;
      if (outcome.source !== 'exact' && outcome.source !== 'semantic') continue;
      hits += 1;
      const ok = isRight(request, outcome.servedPrompt);
      if (!ok) wrong += 1;
      if (request.kind === 'distinct') distinctHits += 1;
      if (request.kind === 'duplicate' && ok) duplicateRight += 1;
      if (outcome.source === 'semantic' && outcome.similarity !== undefined) {
        (ok ? right : wrongSims).push(outcome.similarity);
      }
      if (outcome.usage) {
        costSaved +=
          outcome.usage.promptTokens * PRICES.promptTokenCost +
          outcome.usage.completionTokens * PRICES.completionTokenCost;
      }
    }
    const latencies = this.#outcomes.map((o) => o.outcome.latencyMs);
    const uncached = this.#outcomes.map((o) => o.outcome.uncachedMs);
    const cacheable = this.#outcomes.length - bySource.bypass;
    return {
      name: this.name,
      description: this.description,
      requests: this.#outcomes.length,
      bySource,
      hitRate: cacheable === 0 ? 0 : hits / cacheable,
      wrongHits: wrong,
      wrongHitRate: distinct === 0 ? 0 : distinctHits / distinct,
      precision: hits === 0 ? 1 : (hits - wrong) / hits,
      recall: duplicates === 0 ? 0 : duplicateRight / duplicates,
      modelCalls: bySource.model + bySource.bypass,
      callsSaved: hits,
      costSaved,
      latency: {
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        uncachedP50: percentile(uncached, 0.5),
        uncachedP99: percentile(uncached, 0.99),
      },
      timeSavedMs: sum(uncached) - sum(latencies),
      latencies,
      semanticSimilarities: { right, wrong: wrongSims },
    };
  }
}

/** True when the answer served for `request` was stored for one of its accepted prompts. */
export function isRight(request: WorkloadRequest, servedPrompt: string | undefined): boolean {
  if (servedPrompt === undefined) return false;
  const served = comparable(servedPrompt);
  return request.accept.some((p) => comparable(p) === served);
}
