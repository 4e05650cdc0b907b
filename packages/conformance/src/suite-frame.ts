import { describe, it } from 'vitest';
import type { SuiteOptions } from './options.js';

/** Default timeout of each test and hook. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Declares a suite named `title` unless `options.skip` gives a reason; under
 * `CACHE_REQUIRE_SERVERS=1` a skip becomes one failing test so CI cannot pass without servers.
 */
export function suiteFrame(
  title: string,
  options: SuiteOptions | undefined,
  body: () => void,
): void {
  const reason = options?.skip;
  if (typeof reason === 'string' && reason !== '') {
    if (process.env.CACHE_REQUIRE_SERVERS === '1') {
      describe(title, () => {
        it('has its server (CACHE_REQUIRE_SERVERS=1)', () => {
          throw new Error(
            `${title} would be skipped (${reason}) but CACHE_REQUIRE_SERVERS=1 requires it to run. ` +
              'Start the server or unset CACHE_REQUIRE_SERVERS.',
          );
        });
      });
      return;
    }
    describe.skip(`${title} (skipped: ${reason})`, body);
    return;
  }
  describe(title, body);
}
