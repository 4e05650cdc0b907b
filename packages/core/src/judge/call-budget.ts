/** The judge's budget: at most N calls in any window of 60 seconds. */

/** Length of the budget's window, ms. */
export const BUDGET_WINDOW_MS = 60_000;

/**
 * At most `max` takes in any `BUDGET_WINDOW_MS` window (a sliding log of the last `max` take
 * times, so its memory is `max` numbers whatever the traffic).
 */
export class CallBudget {
  readonly #times: Float64Array;
  #count = 0;
  #oldest = 0;

  /** `now`: the clock in ms (the cache's). */
  constructor(
    readonly max: number,
    private readonly now: () => number,
  ) {
    this.#times = new Float64Array(max);
  }

  /** Takes one call from the budget; false (and nothing taken) when `max` calls fell in the last window. */
  take(): boolean {
    const t = this.now();
    if (this.#count < this.max) {
      this.#times[(this.#oldest + this.#count) % this.max] = t;
      this.#count++;
      return true;
    }
    const age = t - (this.#times[this.#oldest] as number);
    // A clock that went back frees the slot rather than locking the judge out.
    if (age < BUDGET_WINDOW_MS && age >= 0) return false;
    this.#times[this.#oldest] = t;
    this.#oldest = (this.#oldest + 1) % this.max;
    return true;
  }
}
