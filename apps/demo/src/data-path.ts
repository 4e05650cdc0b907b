import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file bundled in `apps/demo/data`. Works from `src/` (tests) and `dist/`
 * (the built CLI), which both sit one level below the app folder.
 */
export function bundledDataPath(name: string): string {
  return fileURLToPath(new URL(`../data/${name}`, import.meta.url));
}
