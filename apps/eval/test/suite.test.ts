import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFiles } from '../src/eval-inputs.js';
import { defaultSharedDir, REPO_ROOT, resolveFromRoot } from '../src/repo-paths.js';
import { suiteFiles } from '../src/suite.js';

const csv = (rows: string[]) => `question1,question2,is_duplicate\n${rows.join('\n')}\n`;

describe('suite paths', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('finds the repository root and resolves relative paths against it, not the cwd', () => {
    expect(existsSync(join(REPO_ROOT, 'apps', 'eval', 'package.json'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'pnpm-workspace.yaml'))).toBe(true);
    // vitest runs in apps/eval; the path still resolves from the root.
    expect(resolveFromRoot('../shared/eval/qqp-pairs.csv')).toBe(
      join(REPO_ROOT, '..', 'shared', 'eval', 'qqp-pairs.csv'),
    );
    expect(resolveFromRoot('/abs/file.csv')).toBe('/abs/file.csv');
    expect(defaultSharedDir('/ci/clone')).toBe('/ci/shared/eval');
  });

  it('names every shared and tune file beside the clone and loads them all', async () => {
    const top = await mkdtemp(join(tmpdir(), 'eval-suite-'));
    made.push(top);
    const root = join(top, 'clone');
    const shared = join(top, 'shared', 'eval');
    await mkdir(join(shared, 'tune'), { recursive: true });
    await mkdir(join(root, 'apps', 'eval', 'data'), { recursive: true });
    await writeFile(join(shared, 'qqp-pairs.csv'), csv(['a?,b?,1', 'c?,d?,0']));
    await writeFile(
      join(shared, 'paraphrase-pairs.json'),
      JSON.stringify([{ origin: 'Hi there.', similar: 'Hello there.' }]),
    );
    for (const name of ['stsb', 'sick', 'mrpc', 'apt']) {
      await writeFile(
        join(shared, 'tune', `${name}-train.csv`),
        csv([`${name} one,${name} two,0`]),
      );
    }
    await writeFile(
      join(root, 'apps', 'eval', 'data', 'near-miss-pairs.csv'),
      'question1,question2,is_duplicate,kind\nx?,y?,1,paraphrase\n',
    );
    const files = suiteFiles(root);
    expect(files.map((f) => f.label)).toEqual([
      '../shared/eval/qqp-pairs.csv',
      '../shared/eval/paraphrase-pairs.json',
      '../shared/eval/tune/stsb-train.csv',
      '../shared/eval/tune/sick-train.csv',
      '../shared/eval/tune/mrpc-train.csv',
      '../shared/eval/tune/apt-train.csv',
      'apps/eval/data/near-miss-pairs.csv',
    ]);
    for (const f of files) expect(existsSync(f.path)).toBe(true);
    const loaded = await loadFiles(files, 'all');
    expect(loaded.map((f) => f.pairs.length)).toEqual([2, 1, 1, 1, 1, 1, 1]);
    expect(loaded[1]?.pairs[0]).toMatchObject({
      question1: 'Hi there.',
      question2: 'Hello there.',
      isDuplicate: true,
    });
    expect(loaded[6]?.pairs[0]?.kind).toBe('paraphrase');
    // An explicit shared folder replaces the default one.
    expect(suiteFiles(root, '/elsewhere')[0]?.path).toBe('/elsewhere/qqp-pairs.csv');
  });

  it('reports a missing suite file by name', async () => {
    const files = suiteFiles('/nonexistent/clone');
    await expect(loadFiles(files, 'all')).rejects.toThrow(
      /\/nonexistent\/shared\/eval\/qqp-pairs\.csv/,
    );
  });
});
