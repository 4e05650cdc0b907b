import { InvalidRequestError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { parsePairs } from '../src/pairs-csv.js';
import { readPairsFile } from '../src/pairs-file.js';

describe('parsePairs', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside fields', () => {
    const text =
      'question1,question2,is_duplicate\r\n' +
      '"Is 5\' 8"""" tall, really?","Line one\nline two",1\r\n' +
      'plain,other,0\r\n';
    expect(parsePairs(text)).toEqual([
      {
        question1: 'Is 5\' 8"" tall, really?',
        question2: 'Line one\nline two',
        isDuplicate: true,
        line: 2,
      },
      { question1: 'plain', question2: 'other', isDuplicate: false, line: 3 },
    ]);
  });

  it('keeps an optional kind column, ignores other columns and accepts any column order', () => {
    const text = 'id,is_duplicate,question2,question1,kind\n7,0,b,a,number\n';
    expect(parsePairs(text)).toEqual([
      { question1: 'a', question2: 'b', isDuplicate: false, kind: 'number', line: 2 },
    ]);
  });

  it('strips a byte order mark from the header', () => {
    expect(parsePairs('\uFEFFquestion1,question2,is_duplicate\na,b,1\n')).toHaveLength(1);
  });

  it.each([
    ['question1,question2\na,b\n', /missing column "is_duplicate"/],
    ['question1,question2,is_duplicate\na,b,yes\n', /record 2 has is_duplicate "yes"/],
    ['question1,question2,is_duplicate\na,,1\n', /record 2 has an empty question/],
    ['question1,question2,is_duplicate\n', /no rows/],
    ['question1,question2,is_duplicate\n"a,b,1\n', /not valid CSV/],
    ['question1,question2,is_duplicate\na,b,1,extra\n', /not valid CSV/],
  ])('rejects bad input with InvalidRequestError (%#)', (text, message) => {
    expect(() => parsePairs(text)).toThrow(InvalidRequestError);
    expect(() => parsePairs(text)).toThrow(message);
  });

  it('reads the bundled fixture and the project data set', async () => {
    const fixture = await readPairsFile(
      new URL('./fixtures/small-pairs.csv', import.meta.url).pathname,
    );
    expect(fixture).toHaveLength(9);
    expect(fixture[5]).toMatchObject({
      question1: 'How do I fly from Paris to London?',
      kind: 'direction',
    });
    const data = await readPairsFile(
      new URL('../data/near-miss-pairs.csv', import.meta.url).pathname,
    );
    expect(data.length).toBeGreaterThan(300);
    const kinds = new Set(data.map((p) => p.kind));
    for (const k of [
      'number',
      'entity',
      'negation',
      'antonym',
      'direction',
      'time',
      'paraphrase',
    ]) {
      expect(kinds.has(k)).toBe(true);
    }
  });

  it('rejects a missing file with a message naming it', async () => {
    await expect(readPairsFile('/nonexistent/pairs.csv')).rejects.toThrow(
      /\/nonexistent\/pairs\.csv/,
    );
  });
});
