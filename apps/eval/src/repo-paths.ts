import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: three levels above this module (apps/eval/src or apps/eval/dist). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Resolves a file named on the command line against the repository root, not the working
 * directory, so `../shared/eval/qqp-pairs.csv` names the shared folder beside the clone
 * wherever the command runs. Absolute paths are kept.
 */
export function resolveFromRoot(path: string, root = REPO_ROOT): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/** The shared evaluation data beside the clone: `<root>/../shared/eval`. */
export function defaultSharedDir(root = REPO_ROOT): string {
  return resolve(root, '..', 'shared', 'eval');
}

/** The folder of the embedding caches: `<root>/.cache/eval/embeddings`. */
export function embeddingCacheDir(root = REPO_ROOT): string {
  return join(root, '.cache', 'eval', 'embeddings');
}

/**
 * The embedding cache file of one embedder id in `dir` (the id with every character outside
 * `[A-Za-z0-9._-]` replaced by `_`, plus `.jsonl`). Creates `dir` with a `.gitignore` that
 * ignores everything in it, so the caches never reach git.
 */
export async function embeddingCacheFile(
  embedderId: string,
  dir = embeddingCacheDir(),
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) await writeFile(ignore, '# embedding caches of pnpm eval\n*\n');
  return join(dir, `${embedderId.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
}
