import type { CacheResult, TokenUsage } from '@cache/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CLIENT_CLOSED_STATUS } from './errors.js';

/** What the `x-cache` header says (see `Served` in cache-headers.ts). */
export type HeaderSource = 'exact' | 'semantic' | 'miss' | 'shared' | 'refresh' | 'bypass';

/** Token prices used to estimate the cost saved by hits, per token. */
export interface Prices {
  /** Price of one prompt token. */
  promptTokenCost: number;
  /** Price of one completion token. */
  completionTokenCost: number;
}

/** Prometheus metrics of the service, in a registry of its own (so several apps can coexist). */
export class ServiceMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  readonly #requests: Counter<'source'>;
  readonly #hits: Counter<'source'>;
  readonly #misses: Counter;
  readonly #errors: Counter<'component'>;
  readonly #httpErrors: Counter<'status'>;
  readonly #latency: Histogram<'source' | 'stream'>;
  readonly #tokensSaved: Counter;
  readonly #costSaved: Counter;
  readonly #wrongHits: Counter;
  readonly #disconnects: Counter;
  readonly #rejected: Counter<'reason'>;
  readonly #notCached: Counter<'reason'>;
  readonly #prices: Prices;
  #circuits: () => Record<string, string> = () => ({});

  /** Creates the metrics; `defaults` also collects Node process metrics. */
  constructor(prices: Prices, defaults = true) {
    this.#prices = prices;
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: 'llm_cache_requests_total',
      help: 'Chat completion requests by cache outcome',
      labelNames: ['source'],
      registers,
    });
    this.#hits = new Counter({
      name: 'llm_cache_hits_total',
      help: 'Answers served from the cache, by layer',
      labelNames: ['source'],
      registers,
    });
    this.#misses = new Counter({
      name: 'llm_cache_misses_total',
      help: 'Cacheable requests the cache did not hold (x-cache miss or shared), as /cache/stats counts them',
      registers,
    });
    this.#errors = new Counter({
      name: 'llm_cache_errors_total',
      help: 'Store, embedder and model failures (fail-open store failures included)',
      labelNames: ['component'],
      registers,
    });
    this.#httpErrors = new Counter({
      name: 'llm_cache_http_errors_total',
      help: 'Error responses by HTTP status',
      labelNames: ['status'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'llm_cache_request_duration_seconds',
      help: 'Time to answer a chat completion, by cache outcome',
      labelNames: ['source', 'stream'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#tokensSaved = new Counter({
      name: 'llm_cache_tokens_saved_total',
      help: 'Tokens of answers served from the cache instead of the model',
      registers,
    });
    this.#costSaved = new Counter({
      name: 'llm_cache_cost_saved_total',
      help: 'Estimated model cost saved by hits, in the currency of the configured prices',
      registers,
    });
    this.#wrongHits = new Counter({
      name: 'llm_cache_wrong_hits_total',
      help: 'Served answers reported wrong through POST /cache/feedback',
      registers,
    });
    this.#disconnects = new Counter({
      name: 'llm_cache_client_disconnects_total',
      help: 'Requests whose client closed the connection before the answer was finished (not errors of the service)',
      registers,
    });
    this.#rejected = new Counter({
      name: 'llm_cache_rejected_requests_total',
      help: 'Requests refused before any work: authorization, host, rate limit, admin token',
      labelNames: ['reason'],
      registers,
    });
    this.#notCached = new Counter({
      name: 'llm_cache_not_cached_total',
      help: 'Chat completions answered by the model without the cache, by reason (anonymous, prompt_too_long)',
      labelNames: ['reason'],
      registers,
    });
    const circuits = () => this.#circuits();
    new Gauge({
      name: 'llm_cache_circuit_open',
      help: 'Circuit breaker per component: 0 closed, 0.5 half-open (probing), 1 open (calls skipped)',
      labelNames: ['component'],
      registers,
      collect() {
        for (const [component, state] of Object.entries(circuits())) {
          this.set({ component }, state === 'open' ? 1 : state === 'half-open' ? 0.5 : 0);
        }
      },
    });
    for (const source of ['exact', 'semantic', 'miss', 'shared', 'refresh', 'bypass']) {
      this.#requests.inc({ source }, 0);
    }
    this.#disconnects.inc(0);
    for (const source of ['exact', 'semantic']) this.#hits.inc({ source }, 0);
  }

  /** Records one answered request, under `source` (its `x-cache` value). */
  observe(
    result: CacheResult,
    seconds: number,
    stream: boolean,
    source: HeaderSource = headerSource(result.source),
  ): void {
    this.#requests.inc({ source });
    this.#latency.observe({ source, stream: String(stream) }, seconds);
    for (const component of result.failures) this.#errors.inc({ component });
    if (source === 'miss' || source === 'shared') this.#misses.inc();
    if (source === 'exact' || source === 'semantic') {
      this.#hits.inc({ source });
      this.#saved(result.response.usage);
    }
  }

  /** Records a failure of a component (e.g. `model`) that made a request fail. */
  error(component: string): void {
    this.#errors.inc({ component });
  }

  /**
   * Records an error response. A client that went away got none: it is counted by
   * {@link clientDisconnected}, never as an HTTP error.
   */
  httpError(status: number): void {
    if (status !== CLIENT_CLOSED_STATUS) this.#httpErrors.inc({ status: String(status) });
  }

  /** Records a client that closed its connection before its answer was finished. */
  clientDisconnected(): void {
    this.#disconnects.inc();
  }

  /** Records a request refused before any work (`unauthorized`, `host`, `rate_limit`...). */
  rejected(reason: string): void {
    this.#rejected.inc({ reason });
  }

  /** Records a chat completion passed to the model without the cache, and why. */
  notCached(reason: string): void {
    this.#notCached.inc({ reason });
  }

  /** Where the circuit-breaker states come from (the cache's `metrics().circuits`). */
  trackCircuits(states: () => Record<string, string>): void {
    this.#circuits = states;
  }

  /** Records a wrong hit reported by a client. */
  wrongHit(): void {
    this.#wrongHits.inc();
  }

  #saved(usage: TokenUsage | undefined): void {
    if (!usage) return;
    this.#tokensSaved.inc(usage.totalTokens);
    this.#costSaved.inc(
      usage.promptTokens * this.#prices.promptTokenCost +
        usage.completionTokens * this.#prices.completionTokenCost,
    );
  }
}

/** Maps a cache result source to the `x-cache` header value. */
export function headerSource(source: CacheResult['source']): HeaderSource {
  return source === 'model' ? 'miss' : source;
}
