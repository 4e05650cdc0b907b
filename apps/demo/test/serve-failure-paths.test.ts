import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
  StoreUnavailableError,
} from '@cache/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildService } from '../src/serve/app.js';
import { serviceOptionsFor } from '../src/serve/service-config.js';
import {
  requireServers,
  unavailableVectorStore,
  unreachableServers,
} from '../src/server-checks.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('configured servers that do not answer', () => {
  it('make the CLI commands fail at once, naming the server and its variable', async () => {
    const port = await closedPort();
    const config = loadConfig({
      CACHE_EXACT_STORE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CACHE_VECTOR_STORE: 'pgvector',
      DATABASE_URL: `postgres://user:secret@127.0.0.1:${port}/db`,
    });
    const started = performance.now();
    const error = await requireServers(config).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5_000);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(`Redis at redis://127.0.0.1:${port} \\(REDIS_URL\\) is unreachable`),
    );
    expect(message).toMatch(
      /PostgreSQL at postgres:\/\/127\.0\.0\.1:\d+\/db \(DATABASE_URL\) is unreachable/,
    );
    expect(message).not.toContain('secret');
    await expect(requireServers(loadConfig({}))).resolves.toBeUndefined();
  });

  it('make `pnpm demo` exit with code 1 and the message (it no longer hangs)', async () => {
    const port = await closedPort();
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const run = spawnSync(process.execPath, [cli], {
      env: { ...process.env, CACHE_EXACT_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) is unreachable/);
  });

  it('are reported by /readyz while the service answers from the model (fail-open)', async () => {
    const port = await closedPort();
    const config = loadConfig({
      CACHE_EXACT_STORE: 'redis',
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(await unreachableServers(config)).toHaveLength(1);
    const vectorStore = unavailableVectorStore(4, 'pgvector', 'connect ECONNREFUSED');
    await expect(
      vectorStore.search(new Float32Array(4), { scope: 's', k: 1, minSimilarity: 0 }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      model: new StandInChatModel({ delayMs: 0 }),
    });
    const app = buildService({
      cache,
      description: 'x',
      processMetrics: false,
      ...serviceOptionsFor(config),
    });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'degraded',
        checks: { 'Redis (REDIS_URL)': expect.stringContaining('unreachable') },
      });
      // Any caller may ask /readyz: it names the component, never its host or port.
      expect(ready.body).not.toContain(String(port));
      expect(ready.body).not.toContain('127.0.0.1');
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({
        status: 'ok',
      });
      const models = (await app.inject({ method: 'GET', url: '/v1/models' })).json();
      expect(models).toMatchObject({
        object: 'list',
        data: [{ id: 'gpt-4o-mini', object: 'model' }],
      });
    } finally {
      await app.close();
      await cache.close();
    }
  });

  it('answers CORS preflights when origins are configured', async () => {
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      model: new StandInChatModel({ delayMs: 0 }),
    });
    const app = buildService({
      cache,
      description: 'x',
      processMetrics: false,
      ...serviceOptionsFor(loadConfig({ CACHE_CORS_ORIGINS: 'https://app.example' })),
    });
    try {
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/v1/chat/completions',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      const answer = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { origin: 'https://app.example' },
        payload: { model: 'm', messages: [{ role: 'user', content: 'cors?' }] },
      });
      expect(answer.headers['access-control-expose-headers']).toContain('x-cache');
    } finally {
      await app.close();
      await cache.close();
    }
  });
});
