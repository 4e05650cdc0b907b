import { CacheError } from '@cache/core';

/**
 * Runs a command's body; a `CacheError` (bad input or options, which say what to do) or a
 * `RangeError` (no rows, no candidates) is printed as one line and exits with status 1. Other
 * errors are bugs and keep their stack.
 */
export async function runCli(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof CacheError || error instanceof RangeError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
