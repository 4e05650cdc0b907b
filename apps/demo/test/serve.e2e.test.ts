import {
  createDefaultGuard,
  MemoryExactStore,
  operatingPointFor,
  SemanticCache,
  StandInChatModel,
} from '@cache/core';
import { LocalEmbedder } from '@cache/local';
import { LshVectorStore } from '@cache/lsh';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/serve/app.js';

let app: FastifyInstance;
let cache: SemanticCache;
let base: string;

const KEY_A = 'Bearer sk-tenant-a';
const KEY_B = 'Bearer sk-tenant-b';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

function ask(
  content: string,
  init: { key?: string; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: init.key ?? KEY_A,
      ...init.headers,
    },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You answer briefly.' },
        { role: 'user', content },
      ],
      temperature: 0,
      ...init.extra,
    }),
  });
}

async function answerOf(response: Response): Promise<string> {
  const body = (await response.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]?.message.content ?? '';
}

/** Reads an SSE body: the concatenated deltas, and whether it ended with [DONE]. */
async function readStream(
  response: Response,
): Promise<{ text: string; done: boolean; chunks: number }> {
  const raw = await response.text();
  const events = raw
    .split('\n\n')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
  let text = '';
  let chunks = 0;
  for (const event of events) {
    if (event === '[DONE]') continue;
    const chunk = JSON.parse(event) as {
      object: string;
      choices: { delta: { content?: string } }[];
    };
    expect(chunk.object).toBe('chat.completion.chunk');
    text += chunk.choices[0]?.delta.content ?? '';
    chunks += 1;
  }
  return { text, done: events.at(-1) === '[DONE]', chunks };
}

function counter(metrics: string, name: string, labels = ''): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  const embedder = new LocalEmbedder();
  cache = new SemanticCache({
    exactStore: new MemoryExactStore(),
    vectorStore: new LshVectorStore({ dimension: embedder.dimension }),
    embedder,
    model: new StandInChatModel({ delayMs: 5 }),
    guard: createDefaultGuard(embedder.id),
    minSimilarity: operatingPointFor(embedder.id).minSimilarity,
  });
  app = buildService({
    cache,
    description: 'test',
    processMetrics: false,
    bodyLimit: 64 * 1024,
    adminToken: ADMIN_TOKEN,
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await cache?.close();
});

describe('demo serve over HTTP', () => {
  it('walks cold miss, exact hit and semantic hit on a paraphrase', async () => {
    const miss = await ask('What is the capital of France?');
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('miss');
    const first = await answerOf(miss);
    expect(first).toContain('What is the capital of France?');

    const exact = await ask('What is the capital of France?');
    expect(exact.headers.get('x-cache')).toBe('exact');
    expect(await answerOf(exact)).toBe(first);

    const semantic = await ask("What's the capital of France?");
    expect(semantic.headers.get('x-cache')).toBe('semantic');
    const similarity = Number(semantic.headers.get('x-cache-similarity'));
    expect(similarity).toBeGreaterThan(0.7);
    expect(similarity).toBeLessThanOrEqual(1);
    expect(await answerOf(semantic)).toBe(first);

    const germany = await ask('What is the capital of Germany?');
    expect(germany.headers.get('x-cache')).toBe('miss');
    expect(await answerOf(germany)).toContain('Germany');
  }, 60_000);

  it('bypasses above the temperature limit and never serves a cached answer on no-cache', async () => {
    const hot = await ask('What is the capital of France?', { extra: { temperature: 1.5 } });
    expect(hot.headers.get('x-cache')).toBe('bypass');
    const refreshed = await ask('What is the capital of France?', {
      headers: { 'cache-control': 'no-cache' },
    });
    expect(refreshed.headers.get('x-cache')).toBe('refresh');
    const after = await ask('What is the capital of France?');
    expect(after.headers.get('x-cache')).toBe('exact');
  }, 60_000);

  it('keeps tenants (API keys) and namespaces apart', async () => {
    const other = await ask('What is the capital of France?', { key: KEY_B });
    expect(other.headers.get('x-cache')).toBe('miss');
    const again = await ask('What is the capital of France?', { key: KEY_B });
    expect(again.headers.get('x-cache')).toBe('exact');
    const namespaced = await ask('What is the capital of France?', {
      headers: { 'x-cache-namespace': 'staging' },
    });
    expect(namespaced.headers.get('x-cache')).toBe('miss');
    const bad = await ask('What is the capital of France?', {
      headers: { 'x-cache-namespace': 'bad name!' },
    });
    expect(bad.status).toBe(400);
  }, 60_000);

  it('does not store an answer sent with cache-control: no-store', async () => {
    const first = await ask('How many legs does a spider have?', {
      headers: { 'cache-control': 'no-store' },
    });
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await ask('How many legs does a spider have?');
    expect(second.headers.get('x-cache')).toBe('miss');
  }, 60_000);

  it('caches a streamed miss and replays a later hit as a stream', async () => {
    const prompt = 'Name three primary colors.';
    const miss = await ask(prompt, {
      extra: { stream: true, stream_options: { include_usage: true } },
    });
    expect(miss.status).toBe(200);
    expect(miss.headers.get('content-type')).toContain('text/event-stream');
    expect(miss.headers.get('x-cache')).toBe('miss');
    const streamed = await readStream(miss);
    expect(streamed.done).toBe(true);
    expect(streamed.text).toContain(prompt);

    const hit = await ask(prompt, { extra: { stream: true } });
    expect(hit.headers.get('x-cache')).toBe('exact');
    const replayed = await readStream(hit);
    expect(replayed.done).toBe(true);
    expect(replayed.chunks).toBeGreaterThan(2);
    expect(replayed.text).toBe(streamed.text);

    const plain = await ask(prompt);
    expect(plain.headers.get('x-cache')).toBe('exact');
    expect(await answerOf(plain)).toBe(streamed.text);

    const paraphrase = await ask("What's the capital of France?", { extra: { stream: true } });
    expect(paraphrase.headers.get('x-cache')).toBe('semantic');
    expect(Number(paraphrase.headers.get('x-cache-similarity'))).toBeGreaterThan(0.7);
    const semantic = await readStream(paraphrase);
    expect(semantic.done).toBe(true);
    expect(semantic.text).toContain('What is the capital of France?');
  }, 60_000);

  it('removes an answer reported wrong and counts it', async () => {
    await ask('Who wrote Hamlet?');
    const hit = await ask('Who wrote Hamlet?');
    expect(hit.headers.get('x-cache')).toBe('exact');
    const { id } = (await hit.json()) as { id: string };
    const feedback = await fetch(`${base}/cache/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: KEY_A },
      body: JSON.stringify({ id }),
    });
    expect(feedback.status).toBe(200);
    expect(await feedback.json()).toMatchObject({ removed: true });
    const after = await ask('Who wrote Hamlet?');
    expect(after.headers.get('x-cache')).toBe('miss');
    const stats = (await (await fetch(`${base}/cache/stats`, { headers: ADMIN })).json()) as {
      wrongHits: number;
    };
    expect(stats.wrongHits).toBe(1);
    const unknown = await fetch(`${base}/cache/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'chatcmpl-unknown' }),
    });
    expect(unknown.status).toBe(404);
  }, 60_000);

  it('clears one scope with DELETE /cache', async () => {
    await ask('What is the boiling point of water?');
    const hit = await ask('What is the boiling point of water?');
    expect(hit.headers.get('x-cache')).toBe('exact');
    const scope = hit.headers.get('x-cache-scope');
    expect(scope).toMatch(/^\w+$/);
    const cleared = await fetch(`${base}/cache?scope=${scope}`, {
      method: 'DELETE',
      headers: { authorization: KEY_A },
    });
    expect(cleared.status).toBe(200);
    expect((await ask('What is the boiling point of water?')).headers.get('x-cache')).toBe('miss');
    expect((await fetch(`${base}/cache`, { method: 'DELETE' })).status).toBe(400);
  }, 60_000);

  it('answers malformed JSON, invalid bodies and oversized bodies with clear errors', async () => {
    const malformed = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "gpt-4o-mini", "messages": [',
    });
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(/malformed JSON/);
    expect(body.error.type).toBe('invalid_request_error');

    const invalid = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toMatch(
      /messages/,
    );

    const huge = await ask('x'.repeat(100 * 1024));
    expect(huge.status).toBe(413);
  }, 60_000);

  it('exports Prometheus counters by source, and a dashboard', async () => {
    // Totals of the walk above (the tests of this file run in order on one service).
    const metrics = await (await fetch(`${base}/metrics`, { headers: ADMIN })).text();
    expect(counter(metrics, 'llm_cache_hits_total', '{source="exact"}')).toBe(7);
    expect(counter(metrics, 'llm_cache_hits_total', '{source="semantic"}')).toBe(2);
    expect(counter(metrics, 'llm_cache_requests_total', '{source="bypass"}')).toBe(1);
    // The refresh (cache-control: no-cache) is not a miss, as /cache/stats counts.
    expect(counter(metrics, 'llm_cache_misses_total')).toBe(11);
    const stats = (await (await fetch(`${base}/cache/stats`, { headers: ADMIN })).json()) as {
      misses: number;
    };
    expect(stats.misses).toBe(11);
    expect(counter(metrics, 'llm_cache_http_errors_total', '{status="400"}')).toBe(4);
    expect(counter(metrics, 'llm_cache_http_errors_total', '{status="413"}')).toBe(1);
    expect(counter(metrics, 'llm_cache_wrong_hits_total')).toBe(1);
    expect(counter(metrics, 'llm_cache_tokens_saved_total')).toBeGreaterThan(0);
    expect(metrics).toContain('llm_cache_request_duration_seconds_bucket');
    const dashboard = await fetch(`${base}/`);
    expect(dashboard.headers.get('content-type')).toContain('text/html');
    expect(await dashboard.text()).toContain('/cache/stats');
  }, 60_000);
});
