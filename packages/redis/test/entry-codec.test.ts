import { makeEntry } from '@cache/conformance';
import { CorruptEntryError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import {
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  EntrySigner,
  encodeEntry,
  ForgedEntryError,
  SIGNED_FORMAT_VERSION,
} from '../src/index.js';

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

  it('with a secret, decodes only values signed for their own key', () => {
    const signer = new EntrySigner('a server secret of enough bytes');
    const entry = makeEntry(key);
    const raw = encodeEntry(entry, signer);
    expect(raw[0]).toBe(String(SIGNED_FORMAT_VERSION));
    expect(decodeEntry(key, raw, signer)).toEqual(entry);
    // Copied under another key, tampered with, unsigned, or signed with another secret: forged.
    const other = 'abc123:digest43';
    expect(() => decodeEntry(other, raw, signer)).toThrow(ForgedEntryError);
    const tampered = raw.replace(entry.response.content, 'a forged answer');
    expect(() => decodeEntry(key, tampered, signer)).toThrow(ForgedEntryError);
    expect(() => decodeEntry(key, encodeEntry(entry), signer)).toThrow(/unsigned/);
    const stranger = encodeEntry(entry, new EntrySigner('another secret of enough bytes'));
    expect(() => decodeEntry(key, stranger, signer)).toThrow(ForgedEntryError);
    // A reader without the secret still reads signed values.
    expect(decodeEntry(key, raw)).toEqual(entry);
  });

  it('treats nonsensical values (negative token counts, wrong types) as corrupt', () => {
    const body = (usage: unknown) =>
      `1${JSON.stringify({ p: 'q', r: { content: 'a', model: 'm', finishReason: 'stop', usage }, c: 1, e: 2 })}`;
    expect(() =>
      decodeEntry(key, body({ promptTokens: -1, completionTokens: 2, totalTokens: 1 })),
    ).toThrow(/non-negative integers/);
    expect(() =>
      decodeEntry(key, body({ promptTokens: '1', completionTokens: 2, totalTokens: 3 })),
    ).toThrow(CorruptEntryError);
    expect(
      decodeEntry(key, body({ promptTokens: 1, completionTokens: 2, totalTokens: 3 })).response
        .usage?.totalTokens,
    ).toBe(3);
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
