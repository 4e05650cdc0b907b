import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidRequestError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { parseParaphrasePairs, readPairsFile } from '../src/pairs-file.js';

describe('parseParaphrasePairs', () => {
  it('reads {origin, similar} objects as positive pairs', () => {
    expect(
      parseParaphrasePairs(JSON.stringify([{ origin: 'A b.', similar: 'A c.', extra: 1 }])),
    ).toEqual([{ question1: 'A b.', question2: 'A c.', isDuplicate: true, line: 1 }]);
  });

  it.each([
    ['{', /not valid JSON/],
    ['{}', /non-empty JSON array/],
    ['[]', /non-empty JSON array/],
    ['[{"origin":"a"}]', /element 0/],
    ['[{"origin":"a","similar":"b"},{"origin":" ","similar":"b"}]', /element 1/],
    ['[null]', /element 0/],
  ])('rejects bad input with InvalidRequestError (%#)', (text, message) => {
    expect(() => parseParaphrasePairs(text)).toThrow(InvalidRequestError);
    expect(() => parseParaphrasePairs(text)).toThrow(message);
  });
});

describe('readPairsFile', () => {
  it('reads .json as paraphrase pairs and anything else as CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-pairs-'));
    try {
      await writeFile(join(dir, 'p.JSON'), JSON.stringify([{ origin: 'x y', similar: 'x z' }]));
      await writeFile(join(dir, 'p.csv'), 'question1,question2,is_duplicate\nx y,x z,0\n');
      expect((await readPairsFile(join(dir, 'p.JSON')))[0]?.isDuplicate).toBe(true);
      expect((await readPairsFile(join(dir, 'p.csv')))[0]?.isDuplicate).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
