import { TimeoutError } from './errors.js';

/**
 * Resolves or rejects like `promise`, or rejects with `TimeoutError` after `ms` milliseconds,
 * whichever comes first. `ms` undefined or non-positive means no timeout. The timer never keeps
 * the process alive.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number | undefined,
  what: string,
): Promise<T> {
  if (ms === undefined || ms <= 0 || !Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Rejects with the signal's reason as soon as `signal` aborts; resolves like `promise` otherwise. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
