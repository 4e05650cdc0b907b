// The built package, as the other tests here.
import { afterAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../dist/index.js';
import { CHARS_PER_TOKEN_BOUND, inspectText, type TokenCount } from '../dist/text-inspection.js';

// About 300 WordPiece tokens of plain English (checked below against the tokenizer's count).
const LONG_ENGLISH = Array.from(
  { length: 21 },
  (_, i) => `Sentence ${i} explains how the harbour town grew around its old stone bridge.`,
).join(' ');

describe('LocalEmbedder.inspect (all-MiniLM-L6-v2)', () => {
  const embedder = new LocalEmbedder({ model: 'local/all-minilm-l6-v2@384' });
  afterAll(() => embedder.close());

  it('declares English and the 256-token window of the model', () => {
    expect(embedder.coverage).toEqual({ languages: ['en'], maxTokens: 256 });
  });

  it('accepts a normal English sentence', () => {
    expect(embedder.inspect('How do I reset my password?')).toBeUndefined();
    expect(embedder.inspect('What is 2 + 2 in base 3?')).toBeUndefined();
  });

  it('reports a 300-token English text as longer than the window', () => {
    expect(LONG_ENGLISH.length).toBeLessThan(256 * CHARS_PER_TOKEN_BOUND); // tokenized, not cut off by length
    expect(embedder.inspect(LONG_ENGLISH)).toMatch(
      /^longer than the model's window: \d+ tokens, over its 256/,
    );
    const tokens = Number(/(\d+) tokens/.exec(embedder.inspect(LONG_ENGLISH) ?? '')?.[1]);
    expect(tokens).toBeGreaterThan(290);
    expect(tokens).toBeLessThan(310);
  });

  it('counts [CLS] and [SEP]: 254 word pieces fit, 255 do not', () => {
    // "word" is one piece; 254 of them plus the two special tokens fill the window.
    expect(embedder.inspect(Array(254).fill('word').join(' '))).toBeUndefined();
    expect(embedder.inspect(Array(255).fill('word').join(' '))).toMatch(/257 tokens, over its 256/);
  });

  it('reports text that is mostly [UNK] word pieces', () => {
    expect(embedder.inspect('🙂🙂🙂 a 🎉🎉')).toBe(
      "mostly unknown to the model's vocabulary: 2 of 3 word pieces are [UNK]",
    );
    expect(embedder.inspect('ᚠᛇᚻ ᛒᛦᚦ ᚠᛇᚻ')).toMatch(/3 of 3 word pieces are \[UNK\]/);
  });

  it('reports text with no letter or digit (emoji, symbols)', () => {
    expect(embedder.inspect('🙂🙂')).toMatch(/^no letter or digit/);
    expect(embedder.inspect('?!… ★')).toMatch(/^no letter or digit/);
    expect(embedder.inspect('')).toMatch(/^no letter or digit/);
  });

  it('reports Chinese as the tokenizer sees it: these characters are [UNK] in its vocabulary', () => {
    expect(embedder.inspect('这个多少钱？')).toBe(
      "mostly unknown to the model's vocabulary: 5 of 6 word pieces are [UNK]",
    );
    expect(embedder.inspect('厕所在哪里？')).toMatch(/of 6 word pieces are \[UNK\]/);
  });

  it('reports a 5 MB string as too long at once', () => {
    expect(embedder.inspect('x'.repeat(5_000_000))).toBe(
      "longer than the model's window of 256 tokens: 5000000 characters, over the 4096 that many tokens can hold",
    );
  });
});

describe('LocalEmbedder.inspect (USE-lite)', () => {
  const embedder = new LocalEmbedder({ model: 'local/use-lite@512' });
  afterAll(() => embedder.close());

  it('declares English and the 128-piece window of the graph', () => {
    expect(embedder.coverage).toEqual({ languages: ['en'], maxTokens: 128 });
  });

  it('accepts a normal sentence and reports what it cannot represent', () => {
    expect(embedder.inspect('How do I reset my password?')).toBeUndefined();
    expect(embedder.inspect(LONG_ENGLISH.slice(0, 1000))).toMatch(/tokens, over its 128/);
    expect(embedder.inspect('这个多少钱？')).toMatch(/5 of 6 characters are unknown/);
    expect(embedder.inspect('🙂🙂')).toMatch(/^no letter or digit/);
    expect(embedder.inspect('x'.repeat(5_000_000))).toMatch(/5000000 characters, over the 2048/);
  });

  it('counts 128 pieces as fitting and 129 as too long', () => {
    // "▁word" is one piece of the vocabulary.
    expect(embedder.inspect(Array(128).fill('word').join(' '))).toBeUndefined();
    expect(embedder.inspect(Array(129).fill('word').join(' '))).toMatch(/129 tokens, over its 128/);
  });
});

describe('inspectText', () => {
  /** A tokenizer stand-in that records the length of every text it is given. */
  function recordingCounter(seen: number[]) {
    return () =>
      (text: string): TokenCount => {
        seen.push(text.length);
        return { tokens: 3, checked: 1, unknown: 0, unit: 'pieces' };
      };
  }

  it('never gives the tokenizer more than maxTokens * 16 characters, whatever the length', () => {
    const seen: number[] = [];
    const counter = recordingCounter(seen);
    expect(inspectText('word '.repeat(1_000_000), 256, counter)).toMatch(/^longer than/);
    expect(inspectText('a'.repeat(4097), 256, counter)).toMatch(/^longer than/);
    expect(seen).toEqual([]);
    expect(inspectText('a'.repeat(4096), 256, counter)).toBeUndefined();
    expect(seen).toEqual([4096]);
  });

  it('loads no tokenizer for text it rejects without one', () => {
    let loads = 0;
    const counter = () => {
      loads++;
      return () => ({ tokens: 1, checked: 1, unknown: 0, unit: 'pieces' });
    };
    inspectText('🙂', 256, counter);
    inspectText('x'.repeat(10_000), 256, counter);
    expect(loads).toBe(0);
  });

  it('turns a tokenizer failure into a reason instead of throwing', () => {
    const failing = () => {
      throw new Error('tokenizer.json is missing');
    };
    expect(inspectText('hello', 256, failing)).toBe(
      "the model's tokenizer could not read the text (tokenizer.json is missing)",
    );
  });
});
