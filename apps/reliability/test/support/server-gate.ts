import { describe, it } from 'vitest';

/** True when CI demands every server suite to run (`CACHE_REQUIRE_SERVERS=1`). */
export const requireServers = process.env.CACHE_REQUIRE_SERVERS === '1';

/**
 * `describe(title, body)` when `skipReason` is undefined. Otherwise the suite is skipped, except
 * under `CACHE_REQUIRE_SERVERS=1`, where it becomes one failing test.
 */
export function describeWithServer(
  title: string,
  skipReason: string | undefined,
  body: () => void,
): void {
  if (skipReason === undefined) {
    describe(title, body);
  } else if (requireServers) {
    describe(title, () => {
      it('has its server (CACHE_REQUIRE_SERVERS=1)', () => {
        throw new Error(`${title}: ${skipReason}, but CACHE_REQUIRE_SERVERS=1 requires it to run.`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${skipReason})`, body);
  }
}

/** Why a suite needing the server in env var `name` cannot run, or undefined when it is set. */
export function envSkipReason(name: 'REDIS_URL' | 'DATABASE_URL'): string | undefined {
  return process.env[name] ? undefined : `${name} is not set`;
}
