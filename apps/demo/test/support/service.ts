import { createHash } from 'node:crypto';
import { type Embedder, MemoryExactStore, SemanticCache } from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { OpenAIChatModel } from '@cache/openai';
import type { FastifyInstance } from 'fastify';
import { buildService, type ServiceOptions } from '../../src/serve/app.js';
import { type ScriptedOpenAI, UPSTREAM_KEY } from './scripted-openai.js';

/** Bag-of-words embedder: prompts sharing most words are similar (no model to load). */
export class WordEmbedder implements Embedder {
  readonly id = 'words';
  readonly dimension = 256;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => {
      const v = new Float32Array(this.dimension);
      v[0] = 0.01;
      for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
        const h = createHash('md5').update(word).digest();
        v[h.readUInt16BE(0) % this.dimension] += h[2] % 2 === 0 ? 1 : -1;
      }
      return v;
    });
  }
}

/** The admin token of the test service, and the header that carries it. */
export const ADMIN_TOKEN = 'clients-e2e-admin-token-0123456789';
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The caching service in front of `upstream`, listening on a free loopback port. */
export async function startService(
  upstream: ScriptedOpenAI,
  extra: Partial<ServiceOptions> = {},
): Promise<{
  app: FastifyInstance;
  cache: SemanticCache;
  base: string;
  close: () => Promise<void>;
}> {
  const embedder = new WordEmbedder();
  const cache = new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
    embedder,
    model: new OpenAIChatModel({ apiKey: UPSTREAM_KEY, baseURL: upstream.baseURL }),
    minSimilarity: 0.75,
    ttlRules: [],
  });
  const app = buildService({
    cache,
    description: 'clients e2e',
    processMetrics: false,
    adminToken: ADMIN_TOKEN,
    upstream: { baseURL: upstream.baseURL, apiKey: UPSTREAM_KEY },
    ...extra,
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    cache,
    base,
    close: async () => {
      await app.close();
      await cache.close();
    },
  };
}
