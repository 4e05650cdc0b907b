import { describe, expect, it, vi } from 'vitest';
import { CalibratedGuard, operatingPointFor } from '../src/index.js';

const analyzed = vi.hoisted(() => ({ lengths: [] as number[] }));

vi.mock('../src/guard/prompt-analysis.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/guard/prompt-analysis.js')>();
  return {
    ...original,
    analyzePrompt: (text: string) => {
      analyzed.lengths.push(text.length);
      return original.analyzePrompt(text);
    },
  };
});

describe("CalibratedGuard's kept analyses", () => {
  it('analyzes a stored prompt once however often it is judged', () => {
    const guard = new CalibratedGuard({ operatingPoint: operatingPointFor('unknown-embedder') });
    analyzed.lengths.length = 0;
    for (const query of ['what is rust', 'what is go', 'what is rust']) {
      guard.judge(query, { prompt: 'what is python', similarity: 0.9 });
    }
    expect(analyzed.lengths).toEqual([12, 14, 10]);
  });

  it('analyzes a query longer than the kept-characters budget once for all its candidates', () => {
    const guard = new CalibratedGuard({ operatingPoint: operatingPointFor('unknown-embedder') });
    const huge = `${'z'.repeat(2 * 1024 * 1024)} end`;
    analyzed.lengths.length = 0;
    guard.prepare(huge);
    for (const prompt of ['what is python', 'what is rust', 'what is go']) {
      guard.judge(huge, { prompt, similarity: 0.9 });
    }
    expect(analyzed.lengths).toEqual([huge.length, 14, 12, 10]);
  });
});
