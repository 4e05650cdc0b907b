import { type Embedder, InvalidRequestError, norm } from '@cache/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EmbedderSuiteOptions } from './options.js';
import { DEFAULT_TIMEOUT_MS, suiteFrame } from './suite-frame.js';

const DEFAULT_TEXTS = [
  'What is the capital of France?',
  'How do I reverse a list in Python?',
  'Explain photosynthesis to a ten-year-old.',
  'Wie spät ist es in Tokio? 🕐',
];

/** Inputs `inspect` must answer without throwing: empty, emoji only, 1 MB. */
const INSPECT_PROBES: readonly [string, string][] = [
  ["''", ''],
  ["'🙂🙂'", '🙂🙂'],
  ['a 1 MB string', 'How do I reset my password? '.repeat(Math.ceil(1_000_000 / 28))],
];

/**
 * Declares the embedder conformance suite: dimension, a batch equal to the single calls within
 * `tolerance`, determinism, finite non-zero norms (unit length when `normalized`), different
 * texts giving different vectors, and `InvalidRequestError` for an empty list, an empty text or
 * a non-string. An embedder declaring `coverage` must give it a valid shape (`'*'` or a
 * non-empty list of two-letter codes, a positive integer `maxTokens`); one with `inspect` must
 * answer a string or undefined, without throwing, for `''`, emoji and a 1 MB string.
 * `factory` is called before every test; `close` (when present) runs after it.
 */
export function embedderSuite(
  name: string,
  factory: () => Embedder | Promise<Embedder>,
  options: EmbedderSuiteOptions = {},
): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tolerance = options.tolerance ?? 1e-4;
  const texts = options.texts ?? DEFAULT_TEXTS;
  if (texts.length < 3) throw new Error('embedderSuite: options.texts needs at least three texts');

  suiteFrame(`embedder conformance: ${name}`, options, () => {
    let embedder: Embedder;

    beforeEach(async () => {
      embedder = await factory();
    }, timeout);

    afterEach(async () => {
      await embedder?.close?.();
    }, timeout);

    it('has an id and a positive integer dimension', () => {
      expect(typeof embedder.id).toBe('string');
      expect(embedder.id.length).toBeGreaterThan(0);
      expect(Number.isInteger(embedder.dimension)).toBe(true);
      expect(embedder.dimension).toBeGreaterThan(0);
      if (options.dimension !== undefined) expect(embedder.dimension).toBe(options.dimension);
    });

    it('declares a valid coverage, if any', async (context) => {
      const { coverage } = embedder;
      if (coverage === undefined) {
        await context.annotate(`${name}: no coverage declared (English only, unknown window)`);
        return;
      }
      expect(Number.isInteger(coverage.maxTokens)).toBe(true);
      expect(coverage.maxTokens).toBeGreaterThan(0);
      if (coverage.languages !== '*') {
        expect(Array.isArray(coverage.languages)).toBe(true);
        expect(coverage.languages.length).toBeGreaterThan(0);
        for (const code of coverage.languages) expect(code).toMatch(/^[a-z]{2}$/);
      }
    });

    it(
      'inspect, if present, answers a string or undefined without throwing',
      async (context) => {
        if (embedder.inspect === undefined) {
          await context.annotate(`${name}: no inspect`);
          return;
        }
        const answers: string[] = [];
        for (const [label, text] of [...INSPECT_PROBES, ['a sample text', texts[0] as string]]) {
          let answer: unknown;
          expect(() => {
            answer = embedder.inspect?.(text as string);
          }, `inspect(${label}) threw`).not.toThrow();
          expect(answer === undefined || typeof answer === 'string').toBe(true);
          if (typeof answer === 'string') expect(answer.length).toBeGreaterThan(0);
          answers.push(`${label}: ${answer === undefined ? 'representable' : answer}`);
        }
        await context.annotate(`${name}: inspect says ${answers.join('; ')}`);
      },
      timeout,
    );

    it(
      'returns one Float32Array of the dimension per text, in order',
      async () => {
        const vectors = await embedder.embed(texts);
        expect(vectors.length).toBe(texts.length);
        for (const v of vectors) {
          expect(v).toBeInstanceOf(Float32Array);
          expect(v.length).toBe(embedder.dimension);
        }
      },
      timeout,
    );

    it(
      'embeds a text in a batch as it embeds it alone',
      async () => {
        const batch = await embedder.embed(texts);
        for (let i = 0; i < texts.length; i++) {
          const [single] = await embedder.embed([texts[i] as string]);
          expectClose(batch[i] as Float32Array, single as Float32Array, tolerance);
        }
      },
      timeout * 2,
    );

    it(
      'is deterministic across calls',
      async () => {
        const first = await embedder.embed(texts);
        const second = await embedder.embed(texts);
        first.forEach((v, i) => {
          expectClose(v, second[i] as Float32Array, tolerance);
        });
      },
      timeout,
    );

    it(
      options.normalized
        ? 'returns unit-length vectors'
        : 'returns vectors of finite, non-zero norm',
      async (context) => {
        const vectors = await embedder.embed(texts);
        const norms = vectors.map((v) => norm(v));
        for (const v of vectors) for (const x of v) expect(Number.isFinite(x)).toBe(true);
        for (const n of norms) {
          expect(Number.isFinite(n)).toBe(true);
          expect(n).toBeGreaterThan(0);
          if (options.normalized) expect(Math.abs(n - 1)).toBeLessThanOrEqual(1e-3);
        }
        const unit = norms.every((n) => Math.abs(n - 1) <= 1e-3);
        await context.annotate(
          `${name}: vectors are ${unit ? '' : 'not '}unit length (norms ${norms.map((n) => n.toFixed(4)).join(', ')})`,
        );
      },
      timeout,
    );

    it(
      'gives different texts different vectors',
      async () => {
        const vectors = await embedder.embed(texts);
        for (let i = 1; i < vectors.length; i++) {
          let maxDiff = 0;
          const a = vectors[0] as Float32Array;
          const b = vectors[i] as Float32Array;
          for (let j = 0; j < a.length; j++)
            maxDiff = Math.max(maxDiff, Math.abs((a[j] as number) - (b[j] as number)));
          expect(maxDiff).toBeGreaterThan(tolerance);
        }
      },
      timeout,
    );

    it(
      'rejects an empty list, an empty text and a non-string with InvalidRequestError',
      async () => {
        await expect(embedder.embed([])).rejects.toBeInstanceOf(InvalidRequestError);
        await expect(embedder.embed([''])).rejects.toBeInstanceOf(InvalidRequestError);
        await expect(embedder.embed([texts[0] as string, ''])).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
        await expect(embedder.embed([42 as unknown as string])).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
      },
      timeout,
    );
  });
}

function expectClose(a: Float32Array, b: Float32Array, tolerance: number): void {
  expect(a.length).toBe(b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
  expect(maxDiff).toBeLessThanOrEqual(tolerance);
}
