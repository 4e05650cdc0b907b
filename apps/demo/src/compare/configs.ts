import { randomBytes } from 'node:crypto';
import {
  type ChatModel,
  createDefaultGuard,
  type Embedder,
  type ExactStore,
  type HitGuard,
  MemoryExactStore,
  operatingPointFor,
  SemanticCache,
  type VectorStore,
} from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { RedisExactStore } from '@cache/redis';
import { openPgliteStore, openPostgresStore } from '../pg-stores.js';
import { probeHttp, probeTcp } from '../probe.js';
import { openQdrantStore } from '../qdrant-store.js';
import { named } from '../server-checks.js';
import type { CompareConfig, OpenedConfig } from './config-spec.js';

/** Server addresses `compare` may use; each configuration runs only when its server answers. */
export interface ServerUrls {
  /** Redis for the exact store. */
  redisUrl?: string;
  /** PostgreSQL with pgvector. */
  databaseUrl?: string;
  /** Qdrant REST. */
  qdrantUrl?: string;
}

interface Parts {
  exactStore: ExactStore;
  vectorStore?: VectorStore;
  guard?: HitGuard;
  minSimilarity?: number;
}

function opened(parts: Parts, embedder: Embedder, model: ChatModel): OpenedConfig {
  const cache = new SemanticCache({
    exactStore: parts.exactStore,
    model,
    ...(parts.vectorStore ? { vectorStore: parts.vectorStore, embedder } : {}),
    ...(parts.guard ? { guard: parts.guard } : {}),
    ...(parts.minSimilarity !== undefined ? { minSimilarity: parts.minSimilarity } : {}),
  });
  return {
    cache,
    close: async () => {
      await cache.clear();
      await cache.close();
    },
  };
}

const unique = () => randomBytes(4).toString('hex');

/**
 * The configurations of `compare`, in report order: baselines, the article's bucket-only LSH,
 * the verified default, embedded pgvector, then server-backed ones (skipped when unreachable).
 */
export function compareConfigs(embedder: Embedder, urls: ServerUrls): CompareConfig[] {
  const point = operatingPointFor(embedder.id);
  const verified = () => ({
    guard: createDefaultGuard(embedder.id),
    minSimilarity: point.minSimilarity,
  });
  const lsh = () => new LshVectorStore({ dimension: embedder.dimension });
  const guardNote = `guard ${createDefaultGuard(embedder.id).id}, min similarity ${point.minSimilarity}`;
  const configs: CompareConfig[] = [
    {
      name: 'no cache',
      description: 'every request calls the model',
      open: async () => ({ close: async () => {} }),
    },
    {
      name: 'exact only',
      description: 'memory exact store; no semantic layer',
      open: async (model) => opened({ exactStore: new MemoryExactStore() }, embedder, model),
    },
    ...[8, 16, 24].map(
      (planes): CompareConfig => ({
        name: `bucket LSH ${planes}`,
        description: `the article's cache: one LSH table of ${planes} planes, verify off, no guard — any bucket collision is served`,
        open: async (model) =>
          opened(
            {
              exactStore: new MemoryExactStore(),
              vectorStore: new LshVectorStore({
                dimension: embedder.dimension,
                planes,
                tables: 1,
                probes: 1,
                verify: false,
              }),
              minSimilarity: -1,
            },
            embedder,
            model,
          ),
      }),
    ),
    {
      name: 'verified LSH',
      description: `default: memory exact store, LSH (16 planes, 32 tables, multi-probe, exact cosine check), ${guardNote}`,
      open: async (model) =>
        opened(
          { exactStore: new MemoryExactStore(), vectorStore: lsh(), ...verified() },
          embedder,
          model,
        ),
    },
    {
      name: 'pgvector (PGlite)',
      description: `memory exact store, pgvector hnsw on embedded PGlite, ${guardNote}`,
      open: async (model) => {
        const store = await openPgliteStore(embedder.dimension);
        return opened(
          { exactStore: new MemoryExactStore(), vectorStore: store, ...verified() },
          embedder,
          model,
        );
      },
    },
    {
      name: 'Redis + LSH',
      description: `Redis exact store (REDIS_URL), verified LSH, ${guardNote}`,
      unavailable: async () =>
        urls.redisUrl
          ? named('Redis', 'REDIS_URL', urls.redisUrl, probeTcp(urls.redisUrl, 6379))
          : 'REDIS_URL is not set',
      open: async (model) => {
        const exactStore = new RedisExactStore({
          url: urls.redisUrl,
          prefix: `demo-compare-${unique()}:`,
        });
        return opened({ exactStore, vectorStore: lsh(), ...verified() }, embedder, model);
      },
    },
    {
      name: 'PostgreSQL pgvector',
      description: `memory exact store, pgvector hnsw on PostgreSQL (DATABASE_URL), ${guardNote}`,
      unavailable: async () =>
        urls.databaseUrl
          ? named('PostgreSQL', 'DATABASE_URL', urls.databaseUrl, probeTcp(urls.databaseUrl, 5432))
          : 'DATABASE_URL is not set',
      open: async (model) => {
        const store = await openPostgresStore(
          urls.databaseUrl as string,
          embedder.dimension,
          `demo_compare_${unique()}`,
          { dropOnClose: true },
        );
        return opened(
          { exactStore: new MemoryExactStore(), vectorStore: store, ...verified() },
          embedder,
          model,
        );
      },
    },
    {
      name: 'Qdrant',
      description: `memory exact store, Qdrant (QDRANT_URL), ${guardNote}`,
      unavailable: async () =>
        urls.qdrantUrl
          ? named(
              'Qdrant',
              'QDRANT_URL',
              urls.qdrantUrl,
              probeHttp(new URL('/readyz', urls.qdrantUrl).href),
            )
          : 'QDRANT_URL is not set',
      open: async (model) => {
        const store = openQdrantStore(
          urls.qdrantUrl as string,
          embedder.dimension,
          `demo_compare_${unique()}`,
          {
            dropOnClose: true,
          },
        );
        return opened(
          { exactStore: new MemoryExactStore(), vectorStore: store, ...verified() },
          embedder,
          model,
        );
      },
    },
  ];
  return configs;
}
