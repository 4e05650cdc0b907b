/**
 * The attacks of issue 13, one test per finding, against the service as `pnpm demo serve` builds
 * it (buildService over a SemanticCache). Each failed on the code before the fix.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import {
  type CacheEntry,
  type Embedder,
  type ExactSetOptions,
  type ExactStore,
  MemoryExactStore,
  normalize,
  SemanticCache,
  type SemanticCacheOptions,
  StandInChatModel,
  StoreUnavailableError,
} from '@cache/core';
import { LshVectorStore } from '@cache/lsh';
import { encodeEntry, RedisExactStore, redisKeyOf } from '@cache/redis';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildService, type ServiceOptions } from '../src/serve/app.js';

const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
const ADMIN = `Bearer ${ADMIN_TOKEN}`;
const KEY_A = 'Bearer sk-attack-tenant-a';
const KEY_B = 'Bearer sk-attack-tenant-b';

/** A hashed bag of words that counts its calls and remembers the longest text it was given. */
class CountingEmbedder implements Embedder {
  readonly id = 'test/counting-words@64';
  readonly dimension = 64;
  calls = 0;
  longest = 0;
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((text) => {
      this.longest = Math.max(this.longest, text.length);
      const v = new Float32Array(this.dimension);
      v[0] = 0.05;
      for (const word of text.toLowerCase().split(/\W+/)) {
        let h = 0;
        for (const c of word) h = (h * 31 + (c.codePointAt(0) ?? 0)) >>> 0;
        const i = 1 + (h % 63);
        v[i] = (v[i] as number) + 1;
      }
      return normalize(v);
    });
  }
}

/** An exact store whose calls all fail after `delayMs`, counting them; `down` toggles it. */
class DeadStore implements ExactStore {
  readonly name = 'dead';
  calls = 0;
  down = true;
  readonly inner = new MemoryExactStore();
  constructor(private readonly delayMs = 300) {}
  private async gate<T>(op: () => Promise<T>): Promise<T> {
    this.calls++;
    if (!this.down) return op();
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    throw new StoreUnavailableError(
      'dead',
      'get failed: connect ECONNREFUSED 10.1.2.3:6390. Check that Redis is reachable at redis://10.1.2.3:6390/',
    );
  }
  get(key: string) {
    return this.gate(() => this.inner.get(key));
  }
  set(key: string, entry: CacheEntry, options: ExactSetOptions) {
    return this.gate(() => this.inner.set(key, entry, options));
  }
  delete(key: string) {
    return this.gate(() => this.inner.delete(key));
  }
  clear(scope?: string) {
    return this.gate(() => this.inner.clear(scope));
  }
  async close() {}
}

const running: { app: FastifyInstance; cache: SemanticCache }[] = [];
afterEach(async () => {
  for (const { app, cache } of running.splice(0)) {
    await app.close();
    await cache.close();
  }
});

function service(
  opts: {
    cache?: Partial<SemanticCacheOptions>;
    service?: Partial<ServiceOptions>;
    semantic?: boolean;
  } = {},
) {
  const embedder = new CountingEmbedder();
  const exactStore = new MemoryExactStore();
  const cache = new SemanticCache({
    exactStore,
    ...(opts.semantic
      ? {
          embedder,
          vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
          guard: { id: 'accept', judge: () => ({ accept: true, reasons: [] }) },
          minSimilarity: 0.9,
        }
      : {}),
    model: new StandInChatModel({ delayMs: 0 }),
    ttlRules: [],
    ...opts.cache,
  });
  const app = buildService({
    cache,
    description: 'attack',
    processMetrics: false,
    adminToken: ADMIN_TOKEN,
    ...opts.service,
  });
  running.push({ app, cache });
  return { app, cache, embedder, exactStore };
}

function chat(
  app: FastifyInstance,
  content: string,
  authorization?: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { ...(authorization === undefined ? {} : { authorization }), ...headers },
    payload: { model: 'm', messages: [{ role: 'user', content }], ...extra },
  });
}

const counter = (text: string, name: string, labels = ''): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
};

describe('finding 1: admin routes are closed, tenants touch only their own entries', () => {
  it('DELETE /cache?all=true without the admin token clears nothing', async () => {
    const { app } = service();
    await chat(app, 'question of tenant a', KEY_A);
    for (const authorization of [undefined, KEY_A]) {
      const res = await app.inject({
        method: 'DELETE',
        url: '/cache?all=true',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/admin route.*CACHE_ADMIN_TOKEN/);
    }
    expect((await chat(app, 'question of tenant a', KEY_A)).headers['x-cache']).toBe('exact');
    const admin = await app.inject({
      method: 'DELETE',
      url: '/cache?all=true',
      headers: { authorization: ADMIN },
    });
    expect(admin.statusCode).toBe(200);
    expect((await chat(app, 'question of tenant a', KEY_A)).headers['x-cache']).toBe('miss');
  });

  it("another tenant can neither clear nor report wrong a tenant's entries", async () => {
    const { app, cache } = service();
    const first = await chat(app, 'private question', KEY_A);
    const scope = first.headers['x-cache-scope'] as string;
    const key = first.headers['x-cache-key'] as string;
    const clear = await app.inject({
      method: 'DELETE',
      url: `/cache?scope=${scope}`,
      headers: { authorization: KEY_B },
    });
    expect(clear.statusCode).toBe(403);
    expect(clear.json().error.message).toMatch(/not one of your API key's/);
    const feedback = await app.inject({
      method: 'POST',
      url: '/cache/feedback',
      headers: { authorization: KEY_B },
      payload: { key },
    });
    expect(feedback.statusCode).toBe(403);
    const random = await app.inject({
      method: 'POST',
      url: '/cache/feedback',
      headers: { authorization: KEY_B },
      payload: { key: `${randomBytes(16).toString('hex')}:${randomBytes(16).toString('hex')}` },
    });
    expect(random.statusCode).toBe(403);
    expect(cache.metrics().wrongHits).toBe(0);
    expect((await chat(app, 'private question', KEY_A)).headers['x-cache']).toBe('exact');
    // The owner may.
    const own = await app.inject({
      method: 'DELETE',
      url: `/cache?scope=${scope}`,
      headers: { authorization: KEY_A },
    });
    expect(own.statusCode).toBe(200);
    expect((await chat(app, 'private question', KEY_A)).headers['x-cache']).toBe('miss');
  });

  it('/metrics, /cache/stats and the dashboard need the admin token, and are off without one', async () => {
    const { app } = service();
    for (const url of ['/metrics', '/cache/stats']) {
      expect((await app.inject({ url })).statusCode).toBe(401);
      expect((await app.inject({ url, headers: { authorization: KEY_A } })).statusCode).toBe(401);
      expect((await app.inject({ url, headers: { authorization: ADMIN } })).statusCode).toBe(200);
    }
    // The dashboard page holds no data; it asks for the token.
    expect((await app.inject({ url: '/' })).body).not.toContain('attack');
    const off = service({ service: { adminToken: undefined } }).app;
    for (const url of ['/metrics', '/cache/stats', '/']) {
      const res = await off.inject({ url, headers: { authorization: ADMIN } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toMatch(/admin routes are off.*CACHE_ADMIN_TOKEN/);
    }
  });
});

describe('finding 2: anonymous callers do not share a tenant', () => {
  it('by default an anonymous answer is neither stored nor served', async () => {
    const { app, cache } = service();
    const one = await chat(app, 'anonymous question');
    const two = await chat(app, 'anonymous question');
    expect(one.statusCode).toBe(200);
    expect(two.headers['x-cache']).toBe('bypass');
    expect(two.headers['x-cache-reason']).toMatch(/anonymous/);
    expect(cache.metrics().stores).toBe(0);
    const shared = service({ service: { anonymous: 'shared' } }).app;
    await chat(shared, 'anonymous question');
    expect((await chat(shared, 'anonymous question')).headers['x-cache']).toBe('exact');
    const rejected = service({ service: { anonymous: 'rejected' } }).app;
    expect((await chat(rejected, 'anonymous question')).statusCode).toBe(401);
  });

  it.each([
    ['empty', ''],
    ['Bearer alone', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['Bearer and spaces', 'Bearer   '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a key with a space', 'Bearer two words'],
  ])('an Authorization header that is %s is a 401', async (_what, authorization) => {
    const { app, cache } = service();
    const res = await chat(app, 'question', authorization);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.type).toBe('authentication_error');
    expect(res.json().error.message).toMatch(/Authorization|API key/);
    expect(cache.metrics().requests).toBe(0);
  });
});

describe('finding 3: one huge prompt cannot stall the service', () => {
  it('a 220 KB prompt is answered without the semantic path: the embedder never sees it', async () => {
    const { app, embedder } = service({ semantic: true });
    const huge = Array.from({ length: 25_000 }, (_, i) => `w${i % 997}`).join(' ');
    expect(huge.length).toBeGreaterThan(120_000);
    const res = await chat(app, huge, KEY_A);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cache']).toBe('bypass');
    expect(res.headers['x-cache-reason']).toMatch(/longer than the 16384/);
    expect(embedder.longest).toBeLessThanOrEqual(16_384);
    // A normal prompt still goes through the whole cache.
    await chat(app, 'a normal question about rivers', KEY_A);
    expect((await chat(app, 'a normal question about rivers', KEY_A)).headers['x-cache']).toBe(
      'exact',
    );
    expect(embedder.calls).toBeGreaterThan(0);
  });
});

describe('finding 4: memory is bounded by bytes', () => {
  it('distinct 100 KB answers stay within the exact store byte budget', async () => {
    const exactStore = new MemoryExactStore({ maxEntries: 10_000, maxBytes: 2 * 1024 * 1024 });
    const { app } = service({
      cache: { exactStore },
      service: { maxSemanticPromptChars: 1_000_000 },
    });
    for (let i = 0; i < 40; i++) {
      const res = await chat(app, `${i} ${'x'.repeat(100_000)}`, KEY_A);
      expect(res.statusCode).toBe(200);
    }
    // Each entry holds a 100,000-character prompt, counted as 200 KB (UTF-16): at most 10 fit.
    expect(exactStore.size).toBeLessThanOrEqual(10);
    expect(exactStore.size).toBeGreaterThan(0);
  });
});

describe("finding 5: a follower never pays for the leader's disconnect", () => {
  it('a caller sharing a streamed miss gets its answer when the streaming client goes away', async () => {
    const { app } = service({
      cache: { model: new StandInChatModel({ delayMs: 400 }) },
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const body = (stream: boolean) =>
      JSON.stringify({
        model: 'm',
        stream,
        messages: [{ role: 'user', content: 'the shared question' }],
      });
    const leader = new AbortController();
    const streamed = fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: KEY_A },
      body: body(true),
      signal: leader.signal,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const follower = fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: KEY_A },
      body: body(false),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    leader.abort();
    await streamed;
    const res = await follower;
    expect(res.status).toBe(200);
    const json = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(json.choices[0]?.message.content).toContain('the shared question');
  });
});

describe('finding 6: no timing oracle across tenants', () => {
  it("one tenant's remembered embedding is never used for another tenant", async () => {
    const { app, embedder } = service({ semantic: true });
    await chat(app, 'has anyone asked about the merger', KEY_A);
    const calls = embedder.calls;
    // Another tenant's first lookup of the same prompt costs an embedding of its own.
    await chat(app, 'has anyone asked about the merger', KEY_B);
    expect(embedder.calls).toBeGreaterThan(calls);
  });
});

describe('finding 7: a circuit breaker skips a dead store', () => {
  it('after a few failures the store is not called at all; admin routes answer 503 at once', async () => {
    const store = new DeadStore(300);
    const { app, cache } = service({
      cache: { exactStore: store, circuitBreaker: { failures: 3, halfOpenAfterMs: 60_000 } },
    });
    for (let i = 0; i < 3; i++) expect((await chat(app, `q${i}`, KEY_A)).statusCode).toBe(200);
    const calls = store.calls;
    for (let i = 0; i < 10; i++) {
      const res = await chat(app, `later ${i}`, KEY_A);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('miss');
    }
    expect(store.calls).toBe(calls);
    expect(cache.metrics().circuits.dead).toBe('open');
    const clear = await app.inject({
      method: 'DELETE',
      url: '/cache?all=true',
      headers: { authorization: ADMIN },
    });
    expect(clear.statusCode).toBe(503);
    expect(clear.json().error.message).toMatch(/dead store is unavailable.*circuit breaker/);
    expect(store.calls).toBe(calls);
    const metrics = await app.inject({ url: '/metrics', headers: { authorization: ADMIN } });
    expect(counter(metrics.body, 'llm_cache_circuit_open', '{component="dead"}')).toBe(1);
  });
});

describe('finding 8: the smaller ones', () => {
  it('a request body that stalls is cut by the request timeout', async () => {
    const { app } = service({ service: { requestTimeoutMs: 300 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model"',
        );
      });
      let got = '';
      socket.on('data', (d) => {
        got += d.toString();
      });
      socket.on('close', () => resolve(got));
      // Without a request timeout nothing ever happens: end the test's wait after 10 s.
      setTimeout(() => {
        socket.destroy();
        resolve('still open after 10 s');
      }, 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it.each(['tools', 'response_format'])(
    '%s nested 10,000 levels deep is a 400 naming the limit',
    async (field) => {
      const { app } = service();
      // Written as text: JSON.stringify itself overflows the stack on such an object.
      const deep = `${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
      const value = field === 'tools' ? `[${deep}]` : deep;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: KEY_A, 'content-type': 'application/json' },
        payload: `{"model":"m","messages":[{"role":"user","content":"q"}],"${field}":${value}}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/deeper than 64 levels/);
    },
  );

  it.each([
    ['a lone surrogate model', { model: 'gpt-\uD800' }, /model: must be well-formed/],
    ['a 900 KB model', { model: 'm'.repeat(900_000) }, /model: at most 256 characters/],
    [
      'a name with a lone surrogate',
      { messages: [{ role: 'user', content: 'q', name: 'bob\uDC00' }] },
      /messages\.0\.name/,
    ],
  ])('%s is a 400', async (_what, extra, message) => {
    const { app, cache } = service();
    const res = await chat(app, 'q', KEY_A, extra);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(res.body).not.toContain('\\ud800');
    expect(cache.metrics().requests).toBe(0);
  });

  it('a stored entry with a negative token count is a miss, deleted, never a 500', async () => {
    const exactStore = new MemoryExactStore();
    const { app } = service({ cache: { exactStore } });
    const first = await chat(app, 'question with poisoned usage', KEY_A);
    const key = first.headers['x-cache-key'] as string;
    const entry = (await exactStore.get(key)) as CacheEntry;
    entry.response.usage = { promptTokens: -100, completionTokens: 5, totalTokens: -95 };
    await exactStore.set(key, entry, { ttlMs: 60_000 });
    const second = await chat(app, 'question with poisoned usage', KEY_A);
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-cache']).toBe('miss');
    const third = await chat(app, 'question with poisoned usage', KEY_A);
    expect(third.statusCode).toBe(200);
    expect(third.headers['x-cache']).toBe('exact');
  });

  it.skipIf(process.env.REDIS_URL === undefined)(
    'a forged Redis value with a matching prompt is not served when a secret is set',
    async () => {
      const prefix = `attack:${randomBytes(4).toString('hex')}:`;
      const secret = randomBytes(32).toString('hex');
      const url = process.env.REDIS_URL as string;
      const exactStore = new RedisExactStore({ url, prefix, secret });
      const raw = exactStore.client;
      try {
        const { app } = service({ cache: { exactStore } });
        const first = await chat(app, 'what is the refund policy', KEY_A);
        const key = first.headers['x-cache-key'] as string;
        const real = (await exactStore.get(key)) as CacheEntry;
        const forged = { ...real, response: { ...real.response, content: 'send money to X' } };
        await raw.set(redisKeyOf(prefix, key), encodeEntry(forged), 'PX', 60_000);
        const res = await chat(app, 'what is the refund policy', KEY_A);
        expect(res.headers['x-cache']).toBe('miss');
        expect(res.json().choices[0].message.content).not.toContain('send money');
        expect(exactStore.forgedEntries).toBe(1);
      } finally {
        const keys = await raw.keys(`${prefix}*`);
        if (keys.length > 0) await raw.unlink(...keys);
      }
    },
  );

  it('a Host header outside the allow-list is a 421', async () => {
    const { app } = service({ service: { allowedHosts: ['cache.internal'] } });
    const evil = await chat(app, 'q', KEY_A, {}, { host: 'evil.example' });
    expect(evil.statusCode).toBe(421);
    const good = await chat(app, 'q', KEY_A, {}, { host: 'cache.internal:8080' });
    expect(good.statusCode).toBe(200);
  });

  it('an error body names the failing component, never a host or port', async () => {
    const { app } = service({
      cache: { exactStore: new DeadStore(0), failMode: 'closed' },
    });
    const res = await chat(app, 'q', KEY_A);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toMatch(/^dead: /);
    expect(res.body).not.toMatch(/10\.1\.2\.3|6390/);
  });

  it('a client disconnect is counted on its own, not as an HTTP 500 or a model error', async () => {
    const { app } = service({ cache: { model: new StandInChatModel({ delayMs: 500 }) } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    for (const stream of [false, true]) {
      const gone = new AbortController();
      const request = fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: KEY_A },
        body: JSON.stringify({
          model: 'm',
          stream,
          messages: [{ role: 'user', content: `slow ${stream}` }],
        }),
        signal: gone.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      gone.abort();
      await request;
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
    const metrics = (await app.inject({ url: '/metrics', headers: { authorization: ADMIN } })).body;
    expect(counter(metrics, 'llm_cache_client_disconnects_total')).toBe(2);
    expect(metrics).not.toMatch(/llm_cache_http_errors_total\{status="5\d\d"\}/);
    expect(counter(metrics, 'llm_cache_errors_total', '{component="model"}')).toBe(0);
  });

  it('rate limits apply per tenant', async () => {
    const { app } = service({ service: { rateLimit: { max: 3, timeWindowMs: 60_000 } } });
    for (let i = 0; i < 3; i++) expect((await chat(app, `q${i}`, KEY_A)).statusCode).toBe(200);
    const limited = await chat(app, 'q4', KEY_A);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.message).toMatch(/rate limit of 3 requests/);
    expect((await chat(app, 'q4', KEY_B)).statusCode).toBe(200);
  });
});
