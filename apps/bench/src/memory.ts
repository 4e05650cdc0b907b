import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * Runs a full garbage collection. `pnpm bench` starts Node without `--expose-gc`, so the flag is
 * switched on at run time and `gc` is taken from a fresh context, the documented way to reach it.
 */
export function fullGc(): void {
  if (collect === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing !== undefined) collect = existing;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
  collect();
}

/** Bytes held by JavaScript objects and array buffers, after a full collection. */
export function heldBytes(): number {
  fullGc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
