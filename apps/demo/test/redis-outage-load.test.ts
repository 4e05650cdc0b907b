/**
 * The service under a bounded load (autocannon, 10 connections, 20 s) while its private Redis is
 * killed for 10 s: no request may fail, and the circuit breaker must keep the outage's latency
 * near the model-only path. Prints `[figure]` lines: p99 of the model-only path (every store
 * skipped by `x-cache-bypass`), p99 before, during and after the outage, and how long after the
 * restart the first exact hit came back.
 */
import { randomBytes } from 'node:crypto';
import { SemanticCache, StandInChatModel } from '@cache/core';
import { RedisExactStore } from '@cache/redis';
import { type PrivateServer, privateRedisSkipReason, startPrivateRedis } from '@cache/test-servers';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/serve/app.js';

const CONNECTIONS = 10;
const KEY = 'Bearer sk-outage-load';
const PROMPTS = 50;
const skip = privateRedisSkipReason();

interface Sample {
  /** Epoch ms the response arrived. */
  at: number;
  /** Its latency, ms. */
  ms: number;
}

/** Runs autocannon for `seconds` against the chat route, cycling over PROMPTS prompts. */
async function load(base: string, seconds: number, headers: Record<string, string> = {}) {
  const samples: Sample[] = [];
  let i = 0;
  const options: autocannon.Options = {
    url: `${base}/v1/chat/completions`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: KEY, ...headers },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            model: 'm',
            messages: [{ role: 'user', content: `outage load question ${i++ % PROMPTS}` }],
          }),
        }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, r) => (error ? reject(error) : resolve(r)));
    instance.on('response', (_client, _status, _bytes, ms) => {
      samples.push({ at: Date.now(), ms });
    });
  });
  return { result, samples };
}

function median(samples: Sample[]): number {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function p99(samples: Sample[]): number {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

const figure = (name: string, value: string | number) => console.log(`[figure] ${name}: ${value}`);

describe.skipIf(skip !== undefined)('Redis killed for 10 s under load', () => {
  let redis: PrivateServer;
  let app: FastifyInstance;
  let cache: SemanticCache;
  let base: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cache = new SemanticCache({
      exactStore: new RedisExactStore({
        url: redis.url,
        prefix: `outage:${randomBytes(4).toString('hex')}:`,
      }),
      model: new StandInChatModel({ delayMs: 5 }),
      ttlRules: [],
    });
    app = buildService({ cache, description: 'outage', processMetrics: false });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await cache?.close();
    await redis?.destroy();
  }, 60_000);

  it('answers every request, keeps p99 near the model-only path, and hits again soon after the restart', async () => {
    const baseline = await load(base, 5, { 'x-cache-bypass': 'true' });
    expect(baseline.result.non2xx + baseline.result.errors + baseline.result.timeouts).toBe(0);

    const started = Date.now();
    const run = load(base, 20);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await redis.stop();
    const down = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await redis.start();
    const up = Date.now();
    // A probe of its own: the first exact hit after the restart (an entry stored, then served).
    let recoveredAt: number | undefined;
    while (recoveredAt === undefined && Date.now() - up < 4_500) {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: KEY },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'the probe' }] }),
      });
      await res.arrayBuffer();
      if (res.headers.get('x-cache') === 'exact') recoveredAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const { result, samples } = await run;

    const before = samples.filter((s) => s.at < down);
    const during = samples.filter((s) => s.at >= down && s.at < up);
    const after = samples.filter((s) => s.at >= up);
    figure('outage load requests', `${result.requests.total} in ${Date.now() - started} ms`);
    figure(
      'outage load failed requests',
      `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
    figure('outage load p99 model-only path (ms)', p99(baseline.samples));
    figure('outage load p99 before the outage (ms)', p99(before));
    figure('outage load p99 during the outage (ms)', p99(during));
    figure('outage load p99 after the restart (ms)', p99(after));
    figure(
      'outage load p99 during the outage minus model-only path (ms)',
      (p99(during) - p99(baseline.samples)).toFixed(1),
    );
    figure(
      'outage load median during the outage minus model-only path (ms)',
      (median(during) - median(baseline.samples)).toFixed(1),
    );
    figure(
      'outage load first exact hit after the restart (ms)',
      recoveredAt === undefined ? 'none within 4.5 s' : recoveredAt - up,
    );
    const m = cache.metrics();
    figure(
      'outage load redis failures',
      `${m.errors.redis ?? 0} calls failed, ${m.errors['redis:circuit-open'] ?? 0} skipped by the open circuit`,
    );

    expect(result.non2xx + result.errors + result.timeouts).toBe(0);
    expect(during.length).toBeGreaterThan(0);
    // The breaker skipped calls instead of letting each request wait for Redis to fail.
    expect(m.errors['redis:circuit-open'] ?? 0).toBeGreaterThan(m.errors.redis ?? 0);
    expect(recoveredAt).toBeDefined();
    expect(m.circuits.redis).toBe('closed');
  }, 90_000);
});
