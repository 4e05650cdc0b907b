import { performance } from 'node:perf_hooks';

/** A call waiting for its answer; `expire` runs if it is still unsettled at `at`. */
export interface PendingCall {
  /** `performance.now()` after which the call times out. */
  readonly at: number;
  /** Rejects the call with its timeout error. */
  readonly expire: () => void;
  /** Set once the call settled or expired. */
  done: boolean;
}

/**
 * The per-call timeouts of one store on a single timer. Every call gets the same timeout, so
 * deadlines arrive in call order: a queue whose head is the earliest. The timer is armed once per
 * timeout period rather than set and cleared around each call (which cost a few microseconds per
 * exact hit); it is unref'd whenever no call is pending, so it never keeps the process alive.
 */
export class CallDeadlines {
  private readonly queue: PendingCall[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private refed = false;

  /** `timeoutMs`: the timeout of every call. */
  constructor(readonly timeoutMs: number) {}

  /**
   * Runs `call` under the timeout: resolves like it, or rejects with `timeoutError()` once the
   * timeout has passed. Every rejection (a throw of `call` included) goes through `mapError`.
   */
  run<T>(
    call: () => Promise<T>,
    timeoutError: () => unknown,
    mapError: (error: unknown) => unknown = (error) => error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending = this.add(() => reject(mapError(timeoutError())));
      let answer: Promise<T>;
      try {
        answer = call();
        // A third-party adapter may return a plain value despite its interface.
        if (typeof answer?.then !== 'function') answer = Promise.resolve(answer);
      } catch (error) {
        this.settle(pending);
        reject(mapError(error));
        return;
      }
      answer.then(
        (value) => {
          if (pending.done) return;
          this.settle(pending);
          resolve(value);
        },
        (error: unknown) => {
          if (pending.done) return;
          this.settle(pending);
          reject(mapError(error));
        },
      );
    });
  }

  /** Starts the clock of one call; `expire` runs if `settle` was not called within the timeout. */
  add(expire: () => void): PendingCall {
    const call: PendingCall = { at: performance.now() + this.timeoutMs, expire, done: false };
    this.queue.push(call);
    if (this.timer === undefined) {
      this.timer = setTimeout(this.fire, this.timeoutMs);
      this.refed = true;
    } else if (!this.refed) {
      this.timer.ref();
      this.refed = true;
    }
    return call;
  }

  /** Stops the clock of `call` (it answered or failed). */
  settle(call: PendingCall): void {
    call.done = true;
    this.dropSettled();
  }

  private dropSettled(): void {
    const q = this.queue;
    while (this.head < q.length && (q[this.head] as PendingCall).done) this.head++;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
      if (this.refed && this.timer !== undefined) {
        this.timer.unref();
        this.refed = false;
      }
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.refed = false;
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const call = q[this.head] as PendingCall;
      if (!call.done) {
        if (call.at > now) break;
        call.done = true;
        call.expire();
      }
      this.head++;
    }
    this.dropSettled();
    if (this.head < q.length) {
      const next = q[this.head] as PendingCall;
      this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(next.at - now)));
      this.refed = true;
    }
  };
}
