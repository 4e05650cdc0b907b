import { PRICES } from '../compare/score.js';
import { loadConfig } from '../config.js';
import { unreachableServers } from '../server-checks.js';
import { createCache, createParts } from '../stores.js';
import { buildService } from './app.js';
import { serveOptionsFromEnv } from './serve-config.js';
import { serviceOptionsFor } from './service-config.js';

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
  // Fail-open: a configured server that does not answer is reported, and the service starts.
  const warnings = (await unreachableServers(config)).map(
    (line) => `${line}; serving from the model without it (fail-open) until it answers`,
  );
  const parts = await createParts(config, {
    prefix: 'demo_serve',
    onVectorStoreDown: (why) => warnings.push(`vector store not opened: ${why}`),
  });
  const cache = createCache(parts, config);
  const app = buildService({
    cache,
    description: parts.description,
    modelTimeoutMs: config.CACHE_MODEL_TIMEOUT_MS,
    prices: PRICES,
    logger: true,
    ...serviceOptionsFor(config),
    ...serveOptions,
  });
  for (const warning of warnings) app.log.warn(warning);
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
    `  POST ${address}/v1/chat/completions · POST ${address}/v1/responses · GET ${address}/v1/models · GET ${address}/metrics · /healthz · /readyz · dashboard ${address}/`,
  );
}
