import { makeEntry } from '@cache/conformance';
import { CorruptEntryError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { decodeEntry, ENTRY_FORMAT_VERSION, encodeEntry } from '../src/index.js';

const key = 'abc123:digest42';

describe('entry codec', () => {
  it('round-trips an entry, taking key and scope from the key', () => {
    const entry = makeEntry(key);
    const raw = encodeEntry(entry);
    expect(raw[0]).toBe(String(ENTRY_FORMAT_VERSION));
    expect(raw).not.toContain(key);
    expect(decodeEntry(key, raw)).toEqual(entry);
  });

  it('is smaller than the plain JSON of the entry', () => {
    const entry = makeEntry(key);
    expect(encodeEntry(entry).length).toBeLessThan(JSON.stringify(entry).length);
  });

  it('rejects a value of an unknown future version, naming the version', () => {
    const raw = `9${encodeEntry(makeEntry(key)).slice(1)}`;
    expect(() => decodeEntry(key, raw)).toThrow(CorruptEntryError);
    expect(() => decodeEntry(key, raw)).toThrow(/format version "9"/);
  });

  it.each([
    ['empty', ''],
    ['binary garbage', '\u0000\u00ff\u0013garbage'],
    ['broken JSON', '1{"p":'],
    ['JSON of another shape', '1{"hello":"world"}'],
    ['a JSON array', '1[1,2,3]'],
    [
      'a response without content',
      '1{"p":"q","r":{"model":"m","finishReason":"stop"},"c":1,"e":2}',
    ],
    [
      'non-string metadata',
      '1{"p":"q","r":{"content":"a","model":"m","finishReason":"stop"},"c":1,"e":2,"m":{"a":1}}',
    ],
    [
      'bad usage',
      '1{"p":"q","r":{"content":"a","model":"m","finishReason":"stop","usage":{"promptTokens":"x"}},"c":1,"e":2}',
    ],
  ])('rejects %s with CorruptEntryError', (_, raw) => {
    expect(() => decodeEntry(key, raw)).toThrow(CorruptEntryError);
  });
});
