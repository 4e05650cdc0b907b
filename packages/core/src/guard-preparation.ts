/**
 * Lets the guard analyze a prompt while it is embedded (see `HitGuard.prepare`): the query of a
 * lookup, and the prompt of an entry being stored, which later lookups judge as a candidate.
 */
import { performance } from 'node:perf_hooks';
import type { HitGuard } from './types.js';

/**
 * Runs `guard.prepare(prompt)` in the next turn of the event loop, after the embedding batcher
 * has handed the prompt to the embedder, so an embedder working off the main thread or over the
 * network is not held up. Resolves with the time it took (0 without a `prepare`); a throw is
 * left for `judge` to meet.
 */
export function prepareGuard(guard: HitGuard | undefined, prompt: string): Promise<number> {
  if (guard?.prepare === undefined) return Promise.resolve(0);
  return new Promise((resolve) => {
    setImmediate(() => {
      const started = performance.now();
      try {
        guard.prepare?.(prompt);
      } catch {
        // judge() runs the same analysis again and reports the failure there.
      }
      resolve(performance.now() - started);
    });
  });
}
