import { raceAbort } from './with-timeout.js';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  /** Signal of the caller that produced an adopted outcome: its abort is its own, not ours. */
  owner?: AbortSignal;
}

/** What `SingleFlight.run` hands back. */
export interface FlightResult<T> {
  /** The shared outcome. */
  value: T;
  /** False for the caller that did the work, true for callers that joined it. */
  shared: boolean;
}

/**
 * Collapses concurrent calls for the same key into one: the first caller runs `work`, later
 * callers with the same key wait for its outcome. A failure rejects every waiter, and the key
 * is free again once the call settles, so nothing of a failed call is remembered. The work's
 * signal aborts only when every waiter has aborted. An adopted outcome that fails because its
 * owner aborted (its client went away) is not handed to the callers that joined it: they run
 * the work again themselves, so each gets the answer or its own error.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** Number of keys with a call in progress. */
  get size(): number {
    return this.flights.size;
  }

  /** True when a call for `key` is in progress. */
  has(key: string): boolean {
    return this.flights.has(key);
  }

  /** Runs `work` for `key`, or joins the call already running for it. */
  async run(
    key: string,
    work: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<FlightResult<T>> {
    for (;;) {
      signal?.throwIfAborted();
      const joined = this.flights.get(key);
      if (joined === undefined || joined.owner === undefined) return this.once(key, work, signal);
      try {
        return await this.once(key, work, signal);
      } catch (error) {
        // The owner's abort is the owner's: try again (a new flight, or one started meanwhile).
        if (!joined.owner.aborted || signal?.aborted === true) throw error;
        if (this.flights.get(key) === joined) this.flights.delete(key);
      }
    }
  }

  private async once(
    key: string,
    work: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<FlightResult<T>> {
    let flight = this.flights.get(key);
    const shared = flight !== undefined;
    if (flight === undefined) {
      const controller = new AbortController();
      const created: Flight<T> = {
        controller,
        waiters: 0,
        promise: Promise.resolve()
          .then(() => work(controller.signal))
          .finally(() => {
            if (this.flights.get(key) === created) this.flights.delete(key);
          }),
      };
      // Waiters that abort leave; the rejection is still observed by the others.
      created.promise.catch(() => undefined);
      this.flights.set(key, created);
      flight = created;
    }
    const joined = flight;
    joined.waiters++;
    const onAbort = (): void => {
      joined.waiters--;
      if (joined.waiters === 0) joined.controller.abort(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return { value: await raceAbort(joined.promise, signal), shared };
    } finally {
      if (signal?.aborted !== true) joined.waiters--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Registers an outcome produced outside `run` (a streamed miss) so callers for `key` can join
   * it; returns false when a call for `key` is already in progress. `owner` is the signal of
   * the caller producing it: when the outcome fails after `owner` aborted, joined callers run
   * the work themselves instead of getting that failure.
   */
  adopt(key: string, promise: Promise<T>, owner?: AbortSignal): boolean {
    if (this.flights.has(key)) return false;
    const flight: Flight<T> = { promise, controller: new AbortController(), waiters: 0, owner };
    promise.catch(() => undefined);
    this.flights.set(key, flight);
    const release = (): void => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    promise.then(release, release);
    return true;
  }
}
