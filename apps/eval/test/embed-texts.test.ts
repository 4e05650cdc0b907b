import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embedTexts } from '../src/embed-texts.js';
import { precomputedEmbedder } from '../src/embedder-choice.js';
import { embeddingCacheFile } from '../src/repo-paths.js';
import { ToyEmbedder } from './toy-embedder.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eval-embed-'));
  dirs.push(dir);
  return dir;
}

describe('embedTexts', () => {
  it('embeds each distinct text once, in batches, and reuses the cache file', async () => {
    const dir = await tempDir();
    const file = await embeddingCacheFile('test/toy@16', join(dir, 'cache'));
    expect(file).toBe(join(dir, 'cache', 'test_toy_16.jsonl'));
    expect(await readFile(join(dir, 'cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const texts = ['one', 'two', 'three', 'two', 'four', 'five'];
    const first = new ToyEmbedder();
    const a = await embedTexts(first, texts, { cacheFile: file, batchSize: 2 });
    expect(first.calls).toEqual([['one', 'two'], ['three', 'four'], ['five']]);
    expect(a.size).toBe(5);
    const second = new ToyEmbedder();
    const b = await embedTexts(second, [...texts, 'six'], { cacheFile: file, batchSize: 2 });
    expect(second.calls).toEqual([['six']]);
    expect(b.get('three')).toEqual(first.vectorOf('three'));
    // A line cut short by an interrupted run is skipped; the rest stays usable.
    await appendFile(file, '{"t":"seven","v":"AAA');
    const third = new ToyEmbedder();
    await embedTexts(third, ['one', 'seven'], { cacheFile: file });
    expect(third.calls).toEqual([['seven']]);
  });

  it('starts afresh on a file written by another embedder', async () => {
    const file = join(await tempDir(), 'cache.json');
    await embedTexts(new ToyEmbedder({}, 'test/a@16'), ['one'], { cacheFile: file });
    const other = new ToyEmbedder({}, 'test/b@16');
    await embedTexts(other, ['one'], { cacheFile: file });
    expect(other.calls).toEqual([['one']]);
    expect((await readFile(file, 'utf8')).split('\n')[0]).toBe('{"embedderId":"test/b@16"}');
  });
});

describe('precomputedEmbedder', () => {
  it('serves known texts and asks the inner embedder for the others, in order', async () => {
    const inner = new ToyEmbedder();
    const known = new Map([['known', new Float32Array(16).fill(1)]]);
    const e = precomputedEmbedder(inner, known);
    expect([e.id, e.dimension]).toEqual([inner.id, inner.dimension]);
    const out = await e.embed(['a b', 'known', 'c d']);
    expect(inner.calls).toEqual([['a b', 'c d']]);
    expect(out[1]).toBe(known.get('known'));
    expect(out[0]).toEqual(inner.vectorOf('a b'));
    expect(out[2]).toEqual(inner.vectorOf('c d'));
  });

  it('forwards every other member, bound to the inner embedder, but not close', async () => {
    class Declaring extends ToyEmbedder {
      readonly #limit = 3;
      readonly coverage = { languages: ['en'], maxTokens: 3 };
      inspect(text: string): string | undefined {
        return text.split(' ').length > this.#limit ? 'too long' : undefined;
      }
      closed = false;
      async close(): Promise<void> {
        this.closed = true;
      }
    }
    const inner = new Declaring();
    const e = precomputedEmbedder(inner, new Map()) as unknown as Declaring;
    expect(e.coverage).toBe(inner.coverage);
    expect(e.inspect('one two three four')).toBe('too long');
    expect(e.close).toBeUndefined();
    expect(inner.closed).toBe(false);
  });
});
