import { randomBytes } from 'node:crypto';
import {
  type ChatModel,
  createDefaultGuard,
  type Embedder,
  type ExactStore,
  MemoryExactStore,
  operatingPointFor,
  SemanticCache,
  type SemanticCacheOptions,
  StandInChatModel,
  type VectorStore,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import { RedisExactStore } from '@cache/redis';
import { PRICES } from './compare/score.js';
import type { DemoConfig } from './config.js';
import { openPgliteStore, openPostgresStore } from './pg-stores.js';
import { openQdrantStore } from './qdrant-store.js';
import { createRemoteEmbedder, createRemoteModel } from './remote.js';
import { unavailableVectorStore } from './server-checks.js';

/** The parts a cache is made of, as chosen by the environment. */
export interface CacheParts {
  /** Source of truth for entries. */
  exactStore: ExactStore;
  /** Vector index for paraphrase hits. */
  vectorStore: VectorStore;
  /** Embeds prompts. */
  embedder: Embedder;
  /** Answers misses. */
  model: ChatModel;
  /** Human-readable summary of the choice, naming the stand-in when it is used. */
  description: string;
}

/** Options of {@link createParts}. */
export interface PartsOptions {
  /** Key prefix / table / collection suffix, so demo runs never collide with other data. */
  prefix?: string;
  /** Drop the PostgreSQL table or Qdrant collection on close (throwaway runs and tests). */
  temporary?: boolean;
  /**
   * When the vector store cannot be opened, report it to this function and go on without it
   * (every vector call then fails and the cache fails open), instead of throwing. For `serve`.
   */
  onVectorStoreDown?: (message: string) => void;
}

/** Builds the exact store, vector store, embedder and model that `config` names. */
export async function createParts(
  config: DemoConfig,
  options: PartsOptions = {},
): Promise<CacheParts> {
  const prefix = options.prefix ?? 'demo';
  const embedder = await createEmbedder(config);
  const exactStore: ExactStore =
    config.CACHE_EXACT_STORE === 'redis'
      ? new RedisExactStore({
          url: config.REDIS_URL,
          prefix: `${prefix}:`,
          ...(config.CACHE_ENTRY_SECRET ? { secret: config.CACHE_ENTRY_SECRET } : {}),
        })
      : new MemoryExactStore();
  let vectorStore: VectorStore;
  try {
    vectorStore = await createVectorStore(
      config,
      embedder.dimension,
      prefix,
      options.temporary ?? false,
    );
  } catch (error) {
    if (options.onVectorStoreDown === undefined) {
      await exactStore.close();
      throw error;
    }
    const why = error instanceof Error ? error.message : String(error);
    options.onVectorStoreDown(why);
    vectorStore = unavailableVectorStore(embedder.dimension, config.CACHE_VECTOR_STORE, why);
  }
  const model =
    config.CACHE_MODEL === 'standin'
      ? new StandInChatModel(
          config.CACHE_STANDIN_DELAY_MS === undefined
            ? {}
            : { delayMs: config.CACHE_STANDIN_DELAY_MS },
        )
      : await createRemoteModel(config);
  const modelName =
    config.CACHE_MODEL === 'standin' ? 'standin (stand-in model, not a real LLM)' : model.id;
  return {
    exactStore,
    vectorStore,
    embedder,
    model,
    description: `exact=${exactStore.name} vector=${vectorStore.name} embedder=${embedder.id} model=${modelName}`,
  };
}

/** Creates the cache around `parts` with the embedder's calibrated guard and similarity floor. */
export function createCache(
  parts: CacheParts,
  config: DemoConfig,
  extra: Partial<SemanticCacheOptions> = {},
): SemanticCache {
  return new SemanticCache({
    exactStore: parts.exactStore,
    vectorStore: parts.vectorStore,
    embedder: parts.embedder,
    model: parts.model,
    guard: createDefaultGuard(parts.embedder.id),
    minSimilarity: operatingPointFor(parts.embedder.id).minSimilarity,
    ttlMs: config.CACHE_TTL_MS,
    timeouts: { modelMs: config.CACHE_MODEL_TIMEOUT_MS },
    cost: PRICES,
    ...extra,
  });
}

/** A fresh random prefix for a demo run. */
export function runPrefix(what: string): string {
  return `demo_${what}_${randomBytes(4).toString('hex')}`;
}

async function createEmbedder(config: DemoConfig): Promise<Embedder> {
  if (config.CACHE_EMBEDDER !== 'local') return createRemoteEmbedder(config);
  const embedder = new LocalEmbedder();
  await embedder.load();
  return embedder;
}

async function createVectorStore(
  config: DemoConfig,
  dimension: number,
  prefix: string,
  temporary: boolean,
): Promise<VectorStore> {
  switch (config.CACHE_VECTOR_STORE) {
    case 'lsh':
      return new LshVectorStore({ dimension });
    case 'pglite':
      return openPgliteStore(dimension);
    case 'pgvector':
      return openPostgresStore(config.DATABASE_URL as string, dimension, `${prefix}_vectors`, {
        dropOnClose: temporary,
      });
    case 'qdrant':
      return openQdrantStore(config.QDRANT_URL as string, dimension, `${prefix}_vectors`, {
        dropOnClose: temporary,
      });
  }
}
