import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { CacheError, StoreUnavailableError } from './errors.js';

/** Options of the per-component circuit breakers (`SemanticCacheOptions.circuitBreaker`). */
export interface CircuitBreakerOptions {
  /** Consecutive failures of a component that open its circuit (positive integer). Default 5. */
  failures?: number;
  /**
   * Time in ms an open circuit waits before letting one probe call through (half-open): its
   * success closes the circuit, its failure opens it again. Default 1,000.
   */
  halfOpenAfterMs?: number;
}

/** State of one component's circuit, as shown in `metrics().circuits`. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Default consecutive failures that open a circuit. */
export const DEFAULT_CIRCUIT_FAILURES = 5;
/** Default wait of an open circuit before its half-open probe, ms. */
export const DEFAULT_CIRCUIT_HALF_OPEN_MS = 1_000;

/**
 * Longest a request waits on the probe call of a half-open circuit, ms: a probe that takes longer
 * goes on in the background (its outcome still closes or reopens the circuit) while the request
 * carries on as if the circuit were open, so a store that is still down never slows it.
 */
export const PROBE_WAIT_MS = 5;

/** Thrown (and absorbed like any store failure) for a call skipped because its circuit is open. */
export class CircuitOpenError extends StoreUnavailableError {
  constructor(readonly component: string) {
    super(
      component,
      'skipped: its circuit breaker is open after repeated failures; one probe call goes through now and then, and the circuit closes once one succeeds.',
      { retryable: true },
    );
  }
}

/** Wraps a failure that must not count against the circuit (the caller aborted). */
class NotCounted extends Error {
  constructor(readonly inner: unknown) {
    super('not counted');
  }
}

/**
 * One circuit breaker (cockatiel) per component name (`redis`, `lsh`, `embedder`...): after
 * `failures` consecutive failed calls a component is skipped at once, so a dead store costs a
 * request nothing instead of a timeout; after `halfOpenAfterMs` one probe call goes through and
 * its outcome closes or reopens the circuit. Invalid requests and caller aborts never count.
 */
export class CircuitBreakers {
  private readonly policies = new Map<string, CircuitBreakerPolicy>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;

  /** `options: false` turns the breakers off (every call goes through). */
  constructor(private readonly options: CircuitBreakerOptions | false = {}) {
    this.failures = options === false ? 0 : (options.failures ?? DEFAULT_CIRCUIT_FAILURES);
    this.halfOpenAfterMs =
      options === false ? 0 : (options.halfOpenAfterMs ?? DEFAULT_CIRCUIT_HALF_OPEN_MS);
  }

  /**
   * Runs `op` through the circuit of `component`. Rejects with {@link CircuitOpenError} at once
   * while the circuit is open; `aborted()` tells whether a failure came from the caller's abort.
   */
  async run<T>(component: string, op: () => Promise<T>, aborted: () => boolean): Promise<T> {
    if (this.options === false) return op();
    const policy = this.policyOf(component);
    const closed = policy.state === CircuitState.Closed;
    const outcome = policy.execute(async () => {
      try {
        return await op();
      } catch (error) {
        throw aborted() || !countsAsFailure(error) ? new NotCounted(error) : error;
      }
    });
    try {
      // Open: refused at once, or this call is the half-open probe, waited for a moment only.
      return await (closed ? outcome : raceProbe(outcome, component));
    } catch (error) {
      if (error instanceof NotCounted) throw error.inner;
      if (error instanceof BrokenCircuitError) throw new CircuitOpenError(component);
      throw error;
    }
  }

  /** True while `component`'s circuit skips calls. */
  isOpen(component: string): boolean {
    const state = this.policies.get(component)?.state;
    return state === CircuitState.Open || state === CircuitState.Isolated;
  }

  /** The state of every component that has made a call. */
  states(): Record<string, CircuitStateName> {
    const out: Record<string, CircuitStateName> = {};
    for (const [component, policy] of this.policies) out[component] = stateName(policy.state);
    return out;
  }

  private policyOf(component: string): CircuitBreakerPolicy {
    let policy = this.policies.get(component);
    if (policy === undefined) {
      policy = circuitBreaker(
        handleWhen((error) => !(error instanceof NotCounted)),
        {
          halfOpenAfter: this.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.failures),
        },
      );
      this.policies.set(component, policy);
    }
    return policy;
  }
}

/** `outcome`, or a {@link CircuitOpenError} after {@link PROBE_WAIT_MS} (the probe goes on). */
function raceProbe<T>(outcome: Promise<T>, component: string): Promise<T> {
  outcome.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CircuitOpenError(component)), PROBE_WAIT_MS);
  });
  return Promise.race([outcome, late]).finally(() => clearTimeout(timer));
}

/** Failures of the component itself: not bad input the caller sent. */
function countsAsFailure(error: unknown): boolean {
  if (!(error instanceof CacheError)) return true;
  return error.code !== 'INVALID_REQUEST' && error.code !== 'INVALID_OPTION';
}

function stateName(state: CircuitState): CircuitStateName {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}
