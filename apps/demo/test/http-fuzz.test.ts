import { randomBytes } from 'node:crypto';
import {
  type ChatRequest,
  type ExactStore,
  MemoryExactStore,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { RedisExactStore } from '@cache/redis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/serve/app.js';
import { tenantOf } from '../src/serve/request-options.js';

/** The caller's API key: it must reach neither the logs nor any store. */
const API_KEY = `sk-reliability-${randomBytes(12).toString('hex')}`;
const MODEL_TIMEOUT_MS = 300;

/** A stand-in model that never answers prompts mentioning "hang" within the service's timeout. */
const model = () =>
  new StandInChatModel({
    delayMs: (r: ChatRequest) => (/hang/.test(String(r.messages.at(-1)?.content)) ? 60_000 : 0),
  });

/**
 * Starts the service the way the e2e test does (buildService + listen on a free loopback port),
 * with request logging on and everything written to stdout captured: pino writes through
 * `process.stdout` when its `write` has been replaced.
 */
async function start(exactStore: ExactStore) {
  const logs: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const cache = new SemanticCache({ exactStore, model: model(), ttlRules: [] });
  const app = buildService({
    cache,
    description: 'http fuzz',
    processMetrics: false,
    logger: true,
    modelTimeoutMs: MODEL_TIMEOUT_MS,
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    cache,
    base,
    logs,
    async stop() {
      await app.close();
      await cache.close();
      process.stdout.write = original;
    },
  };
}

type Service = Awaited<ReturnType<typeof start>>;

function post(service: Service, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${service.base}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${API_KEY}`,
      ...headers,
    },
    body,
  });
}

const good = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

/** One malformed request and the 4xx it must get. */
interface HttpCase {
  name: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  message: RegExp;
}

const deep = 20_000;

const CASES: HttpCase[] = [
  { name: 'truncated JSON', body: '{"model": "m", "messages": [', status: 400, message: /JSON/ },
  { name: 'not JSON at all', body: '{model: m}', status: 400, message: /JSON/ },
  { name: 'empty body', body: '', status: 400, message: /body|JSON/i },
  { name: 'JSON null', body: 'null', status: 400, message: /body|object/i },
  { name: 'JSON array', body: '[]', status: 400, message: /object|expected/i },
  { name: 'JSON string', body: '"hello"', status: 400, message: /object|expected/i },
  { name: 'JSON number', body: '42', status: 400, message: /object|expected/i },
  {
    name: 'nested 20,000 levels deep',
    body: `{"model":"m","messages":${'['.repeat(deep)}${']'.repeat(deep)}}`,
    status: 400,
    message: /./,
  },
  {
    // The service's default body limit (1 MiB) applies: no bodyLimit is passed above.
    name: '6 MB body',
    body: good('x'.repeat(6 * 1024 * 1024)),
    status: 413,
    message: /larger than the limit/,
  },
  {
    name: 'text/plain content type',
    body: good('hi'),
    headers: { 'content-type': 'text/plain' },
    status: 400,
    message: /./,
  },
  {
    name: 'empty messages',
    body: JSON.stringify({ model: 'm', messages: [] }),
    status: 400,
    message: /messages/,
  },
  {
    name: 'messages missing',
    body: JSON.stringify({ model: 'm' }),
    status: 400,
    message: /messages/,
  },
  {
    name: 'messages a string',
    body: JSON.stringify({ model: 'm', messages: 'hi' }),
    status: 400,
    message: /messages/,
  },
  {
    name: 'message without a role',
    body: JSON.stringify({ model: 'm', messages: [{ content: 'hi' }] }),
    status: 400,
    message: /role/,
  },
  {
    name: 'unknown role',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'wizard', content: 'hi' }] }),
    status: 400,
    message: /role/,
  },
  {
    name: 'content a number',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 42 }] }),
    status: 400,
    message: /content/,
  },
  { name: 'model a number', body: good('hi', { model: 42 }), status: 400, message: /model/ },
  { name: 'model empty', body: good('hi', { model: '' }), status: 400, message: /model/ },
  {
    name: 'temperature a string',
    body: good('hi', { temperature: 'hot' }),
    status: 400,
    message: /temperature/,
  },
  {
    name: 'temperature 7',
    body: good('hi', { temperature: 7 }),
    status: 400,
    message: /temperature/,
  },
  {
    name: 'max_tokens -1',
    body: good('hi', { max_tokens: -1 }),
    status: 400,
    message: /max_tokens/,
  },
  { name: 'stream "yes"', body: good('hi', { stream: 'yes' }), status: 400, message: /stream/ },
  { name: 'empty prompt', body: good(''), status: 400, message: /empty|whitespace/ },
  { name: 'whitespace-only prompt', body: good(' \n\t '), status: 400, message: /whitespace/ },
  {
    name: 'control characters only',
    body: good('\u0000\u0001\u0007'),
    status: 400,
    message: /control characters/,
  },
  {
    name: 'zero-width spaces only',
    body: good('\u200b\u200b'),
    status: 400,
    message: /invisible/,
  },
  {
    name: 'lone UTF-16 surrogate (escaped in JSON)',
    body: '{"model":"m","messages":[{"role":"user","content":"what is \\ud800 this"}]}',
    status: 400,
    message: /surrogate/,
  },
  {
    name: 'last message from the assistant',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'assistant', content: 'hi' }] }),
    status: 400,
    message: /user/,
  },
  {
    name: '__proto__ key in the body',
    body: '{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":"yes"}}',
    status: 400,
    message: /./,
  },
  {
    name: 'constructor.prototype in the body',
    body: '{"model":"m","messages":[{"role":"user","content":"hi"}],"constructor":{"prototype":{"polluted":"yes"}}}',
    status: 400,
    message: /./,
  },
  {
    name: 'bad namespace header',
    body: good('hi'),
    headers: { 'x-cache-namespace': 'no spaces allowed!' },
    status: 400,
    message: /x-cache-namespace/,
  },
];

describe('the HTTP service under malformed requests', () => {
  let service: Service;
  const store = new MemoryExactStore();
  beforeAll(async () => {
    service = await start(store);
  });
  afterAll(async () => {
    await service?.stop();
  });

  it(`answers each of ${CASES.length} malformed requests with a 4xx and a clear message, stays up, and stores nothing`, async () => {
    const warm = await post(service, good('what is the capital of france'));
    expect(warm.status).toBe(200);
    const entries = () => JSON.stringify(store.keys().sort());
    const before = entries();
    const failed: string[] = [];
    for (const c of CASES) {
      const response = await post(service, c.body, c.headers);
      const text = await response.text();
      let message = '';
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '';
      } catch {
        message = '';
      }
      if (response.status !== c.status) {
        failed.push(`${c.name}: status ${response.status} (${text.slice(0, 200)})`);
      } else if (message.length < 10 || !c.message.test(message)) {
        failed.push(`${c.name}: unclear message ${JSON.stringify(message.slice(0, 200))}`);
      }
      // The service stays up: a normal request succeeds after every bad one.
      const after = await post(service, good('what is the capital of france'));
      if (after.status !== 200)
        failed.push(`${c.name}: the next normal request got ${after.status}`);
      await after.text();
    }
    console.log(
      `[figure] http fuzz: ${CASES.length} cases tried, ${CASES.length - failed.length} passed`,
    );
    expect(failed).toEqual([]);
    expect(entries()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('answers 504 when the upstream model does not answer in time, stores nothing, and keeps serving', async () => {
    const response = await post(service, good('please hang forever'));
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(new RegExp(`within ${MODEL_TIMEOUT_MS} ms`));
    const { key } = service.cache.keyOf(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'please hang forever' }] },
      { tenant: tenantOf(`Bearer ${API_KEY}`) },
    );
    expect(await store.get(key)).toBeUndefined();
    expect((await post(service, good('a normal question after the timeout'))).status).toBe(200);
  });

  it('never writes the API key to the logs, the stores, the stats or the metrics; the scope holds only its hash', async () => {
    await post(service, good('is my key safe'), { 'x-api-key': API_KEY });
    await post(service, good('please hang again'));
    await post(service, '{"broken":');
    const stored = await Promise.all(store.keys().map((k) => store.get(k)));
    const tenant = tenantOf(`Bearer ${API_KEY}`);
    expect(tenant).toMatch(/^key-[0-9a-f]{32}$/);
    const { scope } = service.cache.keyOf(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'is my key safe' }] },
      { tenant },
    );
    expect(store.keys(scope).length).toBeGreaterThan(0);
    const stats = await (await fetch(`${service.base}/cache/stats`)).text();
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    const logs = service.logs.join('');
    expect(logs).toContain('/v1/chat/completions');
    for (const [where, text] of [
      ['logs', logs],
      ['stored entries', JSON.stringify(stored) + store.keys().join(' ')],
      ['stats', stats],
      ['metrics', metrics],
    ] as const) {
      expect(text.includes(API_KEY), where).toBe(false);
      expect(text.includes(API_KEY.slice(3)), where).toBe(false);
    }
  });
});

const redisUrl = process.env.REDIS_URL;
const requireServers = process.env.CACHE_REQUIRE_SERVERS === '1';

describe.skipIf(!redisUrl && !requireServers)('the API key and Redis (REDIS_URL)', () => {
  it('no Redis key or value holds the API key', async () => {
    expect(redisUrl, 'CACHE_REQUIRE_SERVERS=1 needs REDIS_URL').toBeDefined();
    const prefix = `httpfuzz:${randomBytes(6).toString('hex')}:`;
    const store = new RedisExactStore({ url: redisUrl, prefix });
    const service = await start(store);
    try {
      for (const q of ['first question', 'second question', 'first question']) {
        expect((await post(service, good(q))).status).toBe(200);
      }
      const keys = await store.client.keys(`${prefix}*`);
      expect(keys.length).toBe(2);
      const values = await Promise.all(keys.map((k) => store.client.get(k)));
      const all = keys.join('\n') + values.join('\n');
      expect(all.includes(API_KEY)).toBe(false);
      expect(all.includes(API_KEY.slice(3))).toBe(false);
      expect(service.logs.join('').includes(API_KEY)).toBe(false);
    } finally {
      await store.clear();
      await service.stop();
    }
  });
});
