import { join } from 'node:path';
import { defaultSharedDir, REPO_ROOT } from './repo-paths.js';

/** One file of the evaluation suite. */
export interface SuiteFile {
  /** The name shown in tables: the path relative to the repository root as CI sees it. */
  label: string;
  /** Absolute path of the file. */
  path: string;
}

/** Tune files in `<shared>/tune`, in table order. */
export const TUNE_FILES = ['stsb-train.csv', 'sick-train.csv', 'mrpc-train.csv', 'apt-train.csv'];

/**
 * Every shared and tune file of `pnpm eval --suite`, plus the project's near-miss pairs:
 * `qqp-pairs.csv`, `paraphrase-pairs.json` (all positives), the four tune files of `<shared>/tune`
 * and `apps/eval/data/near-miss-pairs.csv`. `shared` defaults to `<root>/../shared/eval`.
 */
export function suiteFiles(root = REPO_ROOT, shared = defaultSharedDir(root)): SuiteFile[] {
  const sharedFile = (name: string) => ({
    label: `../shared/eval/${name}`,
    path: join(shared, name),
  });
  return [
    sharedFile('qqp-pairs.csv'),
    sharedFile('paraphrase-pairs.json'),
    ...TUNE_FILES.map((name) => sharedFile(`tune/${name}`)),
    {
      label: 'apps/eval/data/near-miss-pairs.csv',
      path: join(root, 'apps', 'eval', 'data', 'near-miss-pairs.csv'),
    },
  ];
}
