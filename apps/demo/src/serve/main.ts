import { PRICES } from '../compare/score.js';
import { loadConfig } from '../config.js';
import { createCache, createParts } from '../stores.js';
import { buildService } from './app.js';
import { serveOptionsFromEnv } from './serve-config.js';

/** Options of `demo serve`. */
export interface ServeOptions {
  /** Port to listen on (0 picks a free one). */
  port: number;
  /** Address to bind. */
  host: string;
}

/** `demo serve`: builds the cache from the environment and serves it until SIGINT/SIGTERM. */
export async function runServe(options: ServeOptions): Promise<void> {
  const config = loadConfig();
  const serveOptions = serveOptionsFromEnv();
  const parts = await createParts(config, { prefix: 'demo_serve' });
  const cache = createCache(parts, config);
  const app = buildService({
    cache,
    description: parts.description,
    modelTimeoutMs: config.CACHE_MODEL_TIMEOUT_MS,
    prices: PRICES,
    logger: true,
    ...serveOptions,
  });
  if (serveOptions.adminToken === undefined) {
    app.log.warn(
      'CACHE_ADMIN_TOKEN is not set: /metrics, /cache/stats, the dashboard and DELETE /cache?all=true are off',
    );
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
    await app.close();
    await cache.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ port: options.port, host: options.host });
  console.log(`Caching service on ${address} — ${parts.description}`);
  console.log(
    `  POST ${address}/v1/chat/completions · GET ${address}/metrics · dashboard ${address}/`,
  );
}
