// The built package: LocalEmbedder starts its worker thread from dist/embed-worker.js.

import { execFileSync } from 'node:child_process';
import {
  ClosedError,
  cosineSimilarity,
  InvalidOptionError,
  InvalidRequestError,
  norm,
} from '@cache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_EMBEDDER_MODELS, LocalEmbedder, type LocalEmbedderModel } from '../dist/index.js';

describe('LocalEmbedder options', () => {
  it('runs all-MiniLM-L6-v2 by default and names each model and its dimension', () => {
    const byDefault = new LocalEmbedder();
    expect(byDefault.id).toBe('local/all-minilm-l6-v2@384');
    expect(byDefault.dimension).toBe(384);
    const useLite = new LocalEmbedder({ model: 'local/use-lite@512' });
    expect(useLite.id).toBe('local/use-lite@512');
    expect(useLite.dimension).toBe(512);
    expect(LOCAL_EMBEDDER_MODELS).toEqual(['local/use-lite@512', 'local/all-minilm-l6-v2@384']);
  });

  it('rejects an unknown model, naming the known ones', () => {
    expect(() => new LocalEmbedder({ model: 'local/bert@768' as never })).toThrow(
      InvalidOptionError,
    );
    expect(() => new LocalEmbedder({ model: 'local/bert@768' as never })).toThrow(
      /local\/use-lite@512, local\/all-minilm-l6-v2@384/,
    );
  });

  it('rejects unknown and out-of-range options', () => {
    expect(() => new LocalEmbedder({ batch: 3 } as never)).toThrow(InvalidOptionError);
    expect(() => new LocalEmbedder({ maxBatchSize: 0 })).toThrow(InvalidOptionError);
  });
});

describe.each(LOCAL_EMBEDDER_MODELS)('LocalEmbedder %s', (model: LocalEmbedderModel) => {
  const embedder = new LocalEmbedder({ model });
  const dimension = model === 'local/use-lite@512' ? 512 : 384;
  afterAll(() => embedder.close());

  it('returns one unit-length Float32Array of the dimension per text, in order', async () => {
    const texts = ['What is Python?', 'How tall is Mount Everest?', 'Café ☕ naïve'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(dimension);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [single] = await embedder.embed(['How tall is Mount Everest?']);
    expect(cosineSimilarity(single as Float32Array, vectors[1] as Float32Array)).toBeGreaterThan(
      0.99999,
    );
  });

  it('splits large inputs into batches with the same results', async () => {
    const small = new LocalEmbedder({ model, maxBatchSize: 2 });
    try {
      const texts = ['one apple', 'two pears', 'three plums', 'four figs', 'five limes'];
      const a = await small.embed(texts);
      const b = await embedder.embed(texts);
      expect(a).toHaveLength(5);
      a.forEach((v, i) => {
        expect(cosineSimilarity(v, b[i] as Float32Array)).toBeGreaterThan(0.99999);
      });
    } finally {
      await small.close();
    }
  });

  it('truncates where coverage.maxTokens and inspect say: the last word past the window is dropped', async () => {
    // "word" is one token of either vocabulary; MiniLM adds [CLS] and [SEP] to its 256.
    const fits = model === 'local/use-lite@512' ? 128 : 254;
    const words = (n: number) => Array(n).fill('word').join(' ');
    const [inA, inB, pastA, pastB] = await embedder.embed([
      `${words(fits - 1)} apple`,
      `${words(fits - 1)} pear`,
      `${words(fits)} apple`,
      `${words(fits)} pear`,
    ]);
    expect(cosineSimilarity(inA as Float32Array, inB as Float32Array)).toBeLessThan(0.9999);
    expect(cosineSimilarity(pastA as Float32Array, pastB as Float32Array)).toBeGreaterThan(0.99999);
    expect(embedder.inspect(`${words(fits - 1)} apple`)).toBeUndefined();
    expect(embedder.inspect(`${words(fits)} apple`)).toMatch(/^longer than the model's window/);
  });

  it('scores paraphrases higher than unrelated questions', async () => {
    const [a, b, c, d] = await embedder.embed([
      'How do I reset my password?',
      'How can I change my forgotten password?',
      'What is the boiling point of water?',
      'Who painted the Mona Lisa?',
    ]);
    const para = cosineSimilarity(a as Float32Array, b as Float32Array);
    expect(para).toBeGreaterThan(cosineSimilarity(a as Float32Array, c as Float32Array));
    expect(para).toBeGreaterThan(cosineSimilarity(a as Float32Array, d as Float32Array));
  });

  it('rejects an empty list and blank texts with InvalidRequestError', async () => {
    await expect(embedder.embed([])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(embedder.embed(['ok', ''])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(embedder.embed(['   '])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(embedder.embed([42 as unknown as string])).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(embedder.embed(['hello'], { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('shares one model load between concurrent callers and closes idempotently', async () => {
    const fresh = new LocalEmbedder({ model });
    const results = await Promise.all([
      fresh.embed(['a cat']),
      fresh.embed(['a dog']),
      fresh.load(),
    ]);
    expect(results[0]?.[0]).toHaveLength(dimension);
    await fresh.close();
    await fresh.close();
    await expect(fresh.embed(['a cat'])).rejects.toBeInstanceOf(ClosedError);
  });

  it('embeds in a worker thread: timers keep firing while a large batch is embedded', async () => {
    // One forward pass over all 256 texts: on the main thread it would hold the event loop
    // from start to end, and no tick could fire before the vectors arrive.
    const onePass = new LocalEmbedder({ model, maxBatchSize: 256 });
    try {
      await onePass.load();
      const texts = Array.from({ length: 256 }, (_, i) => `question number ${i} about the sea`);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      let ticksWhenDone = -1;
      try {
        await onePass.embed(texts).then(() => {
          ticksWhenDone = ticks;
        });
      } finally {
        clearInterval(timer);
      }
      expect(ticksWhenDone).toBeGreaterThan(3);
    } finally {
      await onePass.close();
    }
  });

  it('answers an abort at once, and keeps working afterwards', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 128 }, (_, i) => `a long list of texts ${i}`);
    const pending = embedder.embed(texts, { signal: controller.signal });
    controller.abort(new Error('caller left'));
    await expect(pending).rejects.toThrow('caller left');
    const [v] = await embedder.embed(['still here']);
    expect(v).toHaveLength(dimension);
  });

  it('rejects calls still waiting when closed', async () => {
    const fresh = new LocalEmbedder({ model });
    await fresh.load();
    const pending = fresh.embed(Array.from({ length: 128 }, (_, i) => `text ${i}`));
    const outcome = expect(pending).rejects.toBeInstanceOf(ClosedError);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the texts are with the worker now
    await fresh.close();
    await outcome;
  });

  it('rejects calls waiting for the model to load when closed', async () => {
    const fresh = new LocalEmbedder({ model });
    const pending = fresh.embed(['a cat']);
    const outcome = expect(pending).rejects.toBeInstanceOf(ClosedError);
    await fresh.close();
    await outcome;
  });

  it('does not keep the process alive once no call waits (no close needed to exit)', () => {
    const script = `import { LocalEmbedder } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
const e = new LocalEmbedder({ model: ${JSON.stringify(model)} });
const [v] = await e.embed(['hello']);
console.log(v.length);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.trim()).toBe(String(dimension));
  });
});
