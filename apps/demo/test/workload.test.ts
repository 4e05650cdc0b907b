import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequestError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { isRight } from '../src/compare/score.js';
import {
  DEFAULT_COMPARE_WORKLOAD,
  DEFAULT_TOUR_WORKLOAD,
  loadBundledWorkload,
  loadWorkload,
} from '../src/workload/load.js';

describe('workloads', () => {
  it('builds the pairs protocol from the bundled labeled sample', async () => {
    const w = await loadBundledWorkload(DEFAULT_COMPARE_WORKLOAD);
    expect(w.labeled).toBe(true);
    expect(w.pairs).toHaveLength(300);
    expect(w.pairs.filter((p) => p.duplicate)).toHaveLength(150);
    const kinds = w.requests.map((r) => r.kind);
    expect(kinds.slice(0, 300).every((k) => k === 'store')).toBe(true);
    expect(kinds.filter((k) => k === 'duplicate')).toHaveLength(150);
    expect(kinds.filter((k) => k === 'distinct')).toHaveLength(150);
    expect(kinds.filter((k) => k === 'repeat')).toHaveLength(60);
    expect(w.source).toMatch(/MeanCache/);
  });

  it('loads the bundled paraphrase sample as duplicate pairs', async () => {
    const w = await loadBundledWorkload(DEFAULT_TOUR_WORKLOAD);
    expect(w.pairs).toHaveLength(150);
    expect(w.pairs.every((p) => p.duplicate)).toBe(true);
    expect(w.source).toMatch(/GPTCache/);
  });

  it('scores a served answer right only for the accepted prompts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-wl-'));
    const file = join(dir, 'pairs.csv');
    await writeFile(
      file,
      'question1,question2,is_duplicate\n"What is X, really?",What\'s X?,1\nCapital of France?,Capital of Germany?,0\n',
    );
    const w = await loadWorkload(file);
    const dup = w.requests.find((r) => r.kind === 'duplicate');
    const distinct = w.requests.find((r) => r.kind === 'distinct');
    expect(dup && isRight(dup, 'what is x, really?  ')).toBe(true);
    expect(dup && isRight(dup, 'Capital of France?')).toBe(false);
    expect(distinct && isRight(distinct, 'Capital of France?')).toBe(false);
  });

  it('loads plain prompt lists unlabeled and rejects unusable files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-wl-'));
    const prompts = join(dir, 'prompts.json');
    await writeFile(prompts, JSON.stringify({ requests: [{ prompt: 'a' }, { prompt: 'b' }] }));
    const w = await loadWorkload(prompts);
    expect(w.labeled).toBe(false);
    expect(w.requests.map((r) => r.prompt)).toEqual(['a', 'b']);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a,b\n1,2\n');
    await expect(loadWorkload(bad)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(loadWorkload(join(dir, 'missing.json'))).rejects.toThrow(/cannot read workload/);
  });
});
