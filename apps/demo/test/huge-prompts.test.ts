/**
 * The 220 KB prompt and the ten 900 KB prompts of issue 13 against the service with the local
 * embedder, the default guard and a stand-in model of fixed latency. They are answered by the
 * model without the cache (longer than `maxSemanticPromptChars`), so they never reach the
 * embedder's worker or the guard; other callers' misses are timed before, during and after them
 * and printed as `[figure]` lines (no timed assertion: the figures are for the report).
 */
import {
  createDefaultGuard,
  MemoryExactStore,
  operatingPointFor,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/serve/app.js';

const KEY = 'Bearer sk-huge-prompts';
const MODEL_MS = 50;
let app: FastifyInstance;
let cache: SemanticCache;
let base: string;
let asked = 0;

async function ask(content: string) {
  const started = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: KEY },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }),
  });
  await res.arrayBuffer();
  return { res, ms: performance.now() - started };
}

/** `n` sequential misses of distinct ordinary questions; their median latency, ms. */
async function misses(n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const { res, ms } = await ask(`how do rivers ${asked++} shape the valleys of region ${i}?`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('miss');
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const words = (chars: number, seed: number) => {
  let out = '';
  for (let i = 0; out.length < chars; i++) out += `word${(i * 7919 + seed) % 50_021} `;
  return out;
};

const figure = (name: string, value: string | number) => console.log(`[figure] ${name}: ${value}`);

beforeAll(async () => {
  const embedder = new LocalEmbedder();
  cache = new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
    embedder,
    model: new StandInChatModel({ delayMs: MODEL_MS }),
    guard: createDefaultGuard(embedder.id),
    minSimilarity: operatingPointFor(embedder.id).minSimilarity,
  });
  app = buildService({ cache, description: 'huge prompts', processMetrics: false });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  await misses(3); // loads the model
}, 120_000);

afterAll(async () => {
  await app?.close();
  await cache?.close();
});

describe('huge prompts', () => {
  it('a 220 KB prompt and ten 900 KB prompts are answered without the cache, and other misses keep their latency', async () => {
    const normal = await misses(15);
    const huge = [
      words(220_000, 1),
      ...Array.from({ length: 10 }, (_, i) => words(900_000, i + 2)),
    ];
    const flood = Promise.all(huge.map((prompt) => ask(prompt)));
    const during = await misses(15);
    const answers = await flood;
    const after = await misses(15);
    for (const { res } of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('bypass');
      expect(res.headers.get('x-cache-reason')).toMatch(/longer than the 16384/);
    }
    figure('huge prompts: median miss before (ms)', normal.toFixed(1));
    figure('huge prompts: median miss during (ms)', during.toFixed(1));
    figure('huge prompts: median miss after (ms)', after.toFixed(1));
    figure(
      'huge prompts: slowest of the 11 huge answers (ms)',
      Math.max(...answers.map((a) => a.ms)).toFixed(0),
    );
  }, 120_000);
});
