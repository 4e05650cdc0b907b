import type { SuiteOptions } from './options.js';
import { describeWithServer } from './server-gate.js';

/** Default timeout of each test and hook. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Declares a suite named `title` unless `options.skip` gives a reason (see `describeWithServer`). */
export function suiteFrame(
  title: string,
  options: SuiteOptions | undefined,
  body: () => void,
): void {
  describeWithServer(title, options?.skip, body);
}
