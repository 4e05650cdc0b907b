import type { SemanticCache } from '@cache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createCache, createParts, runPrefix } from '../src/stores.js';

let cache: SemanticCache | undefined;

afterEach(async () => {
  await cache?.clear();
  await cache?.close();
  cache = undefined;
});

/** Builds the cache the environment names and walks miss, exact hit and semantic hit. */
async function walk(env: Record<string, string>, expected: { exact: string; vector: string }) {
  const config = loadConfig({ ...env, CACHE_STANDIN_DELAY_MS: '0' });
  const parts = await createParts(config, { prefix: runPrefix('test'), temporary: true });
  cache = createCache(parts, config);
  expect(parts.exactStore.name).toBe(expected.exact);
  expect(parts.vectorStore.name).toBe(expected.vector);
  expect(parts.description).toContain('stand-in');
  const ask = (content: string) =>
    (cache as SemanticCache).complete({
      model: 'm',
      messages: [{ role: 'user', content }],
      temperature: 0,
    });
  expect((await ask('What is the capital of France?')).source).toBe('model');
  expect((await ask('What is the capital of France?')).source).toBe('exact');
  const paraphrase = await ask("What's the capital of France?");
  expect(paraphrase.source).toBe('semantic');
  expect(paraphrase.matchedPrompt).toBe('What is the capital of France?');
}

describe('backends chosen by the environment', () => {
  it('embedded default: memory + LSH + local embedder + stand-in', async () => {
    await walk({}, { exact: 'memory', vector: 'lsh' });
  }, 60_000);

  it('CACHE_VECTOR_STORE=pglite: pgvector on embedded PGlite', async () => {
    await walk({ CACHE_VECTOR_STORE: 'pglite' }, { exact: 'memory', vector: 'pgvector' });
  }, 120_000);

  it.skipIf(!process.env.REDIS_URL)(
    'CACHE_EXACT_STORE=redis with REDIS_URL',
    async () => {
      await walk(
        { CACHE_EXACT_STORE: 'redis', REDIS_URL: process.env.REDIS_URL as string },
        { exact: 'redis', vector: 'lsh' },
      );
    },
    60_000,
  );

  it.skipIf(!process.env.DATABASE_URL)(
    'CACHE_VECTOR_STORE=pgvector with DATABASE_URL',
    async () => {
      await walk(
        { CACHE_VECTOR_STORE: 'pgvector', DATABASE_URL: process.env.DATABASE_URL as string },
        { exact: 'memory', vector: 'pgvector' },
      );
    },
    60_000,
  );

  it.skipIf(!process.env.QDRANT_URL)(
    'CACHE_VECTOR_STORE=qdrant with QDRANT_URL',
    async () => {
      await walk(
        { CACHE_VECTOR_STORE: 'qdrant', QDRANT_URL: process.env.QDRANT_URL as string },
        { exact: 'memory', vector: 'qdrant' },
      );
    },
    60_000,
  );
});
