import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** True when `command` is found on PATH. */
export function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe(title, body)` when `skipReason` is undefined. Otherwise the suite is skipped, except
 * under `CACHE_REQUIRE_SERVERS=1`, where it becomes one failing test: CI cannot pass without its
 * servers.
 */
export function describeWithServer(
  title: string,
  skipReason: string | undefined,
  body: () => void,
): void {
  if (skipReason === undefined) {
    describe(title, body);
  } else if (process.env.CACHE_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it('has its server (CACHE_REQUIRE_SERVERS=1)', () => {
        throw new Error(`${title}: ${skipReason}, but CACHE_REQUIRE_SERVERS=1 requires it to run.`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${skipReason})`, body);
  }
}

/** Why the private-server suites cannot run here, or undefined when they can. */
export function privateRedisSkipReason(): string | undefined {
  return onPath('redis-server') && onPath('redis-cli')
    ? undefined
    : 'redis-server and redis-cli are not on PATH';
}
