import { describe, it } from 'vitest';

/**
 * Declares `describe(title, body)` when `skipReason` is undefined, false or empty. Otherwise the suite is skipped
 * with the reason in its title, except under `CACHE_REQUIRE_SERVERS=1` (CI), where it becomes one
 * failing test: a run that needs its servers cannot pass without them.
 */
export function describeWithServer(
  title: string,
  skipReason: string | false | undefined,
  body: () => void,
): void {
  if (!skipReason) {
    describe(title, body);
  } else if (process.env.CACHE_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it('has its server (CACHE_REQUIRE_SERVERS=1)', () => {
        throw new Error(
          `${title} would be skipped (${skipReason}) but CACHE_REQUIRE_SERVERS=1 requires it to run. ` +
            'Start the server or unset CACHE_REQUIRE_SERVERS.',
        );
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${skipReason})`, body);
  }
}
