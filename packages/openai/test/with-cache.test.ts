import { MemoryExactStore, SemanticCache } from '@cache/core';
import OpenAI from 'openai';
import { Stream } from 'openai/core/streaming';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheInfo, OpenAIEmbedder, withCache } from '../src/index.js';
import { ArrayVectorStore } from './array-vector-store.js';
import { FAKE_API_KEY, FakeOpenAI } from './fake-openai.js';

const CHAT = '/v1/chat/completions';
const EMBED = '/v1/embeddings';

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

const text = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

describe('withCache(client, cache)', () => {
  let fake: FakeOpenAI;
  let cache: SemanticCache;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    cache = new SemanticCache({ exactStore: new MemoryExactStore() });
    client = withCache(new OpenAI({ apiKey: FAKE_API_KEY, baseURL: fake.baseURL }), cache);
  });
  afterAll(async () => {
    await cache.close();
    await fake.stop();
  });

  it('answers the second identical create from the cache without calling the API', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'What is Python?' },
      ],
      temperature: 0,
    };
    const before = fake.count(CHAT);
    const first = await client.chat.completions.create(params);
    expect(fake.count(CHAT) - before).toBe(1);
    const second = await client.chat.completions.create(params);
    expect(fake.count(CHAT) - before).toBe(1);
    expect(cacheInfo(first)).toMatchObject({ source: 'miss' });
    expect(cacheInfo(second)).toMatchObject({
      source: 'exact',
      originalUsage: {
        promptTokens: first.usage?.prompt_tokens,
        completionTokens: first.usage?.completion_tokens,
        totalTokens: first.usage?.total_tokens,
      },
    });
    expect(second).toMatchObject({
      object: 'chat.completion',
      model: first.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: first.choices[0]?.message.content, refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
    expect(second.id).toMatch(/^chatcmpl-/);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    expect(second.system_fingerprint).toBe(first.system_fingerprint);
  });

  it('lets concurrent identical misses share one API call, each with its own copy', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Concurrent question' }],
    };
    const before = fake.count(CHAT);
    fake.chatDelayMs = 100;
    try {
      const [a, b, c] = await Promise.all([
        client.chat.completions.create(params),
        client.chat.completions.create(params),
        client.chat.completions.create(params),
      ]);
      expect(fake.count(CHAT) - before).toBe(1);
      expect(b).toEqual(a);
      expect(b).not.toBe(a);
      expect([a, b, c].map((r) => cacheInfo(r)?.shared)).toEqual([false, true, true]);
    } finally {
      fake.chatDelayMs = 0;
    }
  });

  it('streams a miss through, stores it, and replays it as SDK chunks', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Explain streaming in a few words' }],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const before = fake.count(CHAT);
    const first = await collect(await client.chat.completions.create(params));
    const second = await client.chat.completions.create(params);
    expect(second).toBeInstanceOf(Stream);
    const replay = await collect(second);
    expect(fake.count(CHAT) - before).toBe(1);
    expect(text(replay)).toBe(text(first));
    expect(text(replay)).toBe('Answer to: Explain streaming in a few words');
    expect(replay.length).toBeGreaterThan(3);
    expect(
      replay.every((c) => c.object === 'chat.completion.chunk' && c.id === replay[0]?.id),
    ).toBe(true);
    expect(replay[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(replay.every((c) => c.usage === null || c === replay.at(-1))).toBe(true);
    expect(replay.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(replay.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 0 } });
    expect(cacheInfo(second)?.source).toBe('exact');
  });

  it('serves a stream from an answer stored by a non-streamed call, and vice versa', async () => {
    const messages = [{ role: 'user' as const, content: 'Name a colour' }];
    const before = fake.count(CHAT);
    const whole = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const streamed = await collect(
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }),
    );
    expect(text(streamed)).toBe(whole.choices[0]?.message.content);
    expect(streamed.some((c) => c.usage)).toBe(false);
    expect(fake.count(CHAT) - before).toBe(1);
  });

  it('does not store a stream the caller stopped reading early', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'one two three four five six' }],
      stream: true as const,
    };
    const before = fake.count(CHAT);
    for await (const chunk of await client.chat.completions.create(params)) {
      if (chunk.choices[0]?.delta?.content) break;
    }
    await collect(await client.chat.completions.create(params));
    expect(fake.count(CHAT) - before).toBe(2);
  });

  it('caches a tool-call answer and replays it exactly, plain and streamed', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Weather in Paris, with the tool?' }],
      tools: [
        {
          type: 'function' as const,
          function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
        },
      ],
    };
    const before = fake.count(CHAT);
    const first = await client.chat.completions.create(params);
    const second = await client.chat.completions.create(params);
    expect(fake.count(CHAT) - before).toBe(1);
    expect(cacheInfo(second)).toMatchObject({ source: 'exact' });
    expect(second.choices).toEqual(first.choices);
    expect(second.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    const streamed = await collect(
      await client.chat.completions.create({ ...params, stream: true }),
    );
    expect(fake.count(CHAT) - before).toBe(1);
    const pieces = streamed.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(pieces[0]).toMatchObject({
      index: 0,
      id: 'call_fake_1',
      function: { name: 'get_weather' },
    });
    expect(pieces.map((p) => p.function?.arguments ?? '').join('')).toBe('{"city":"Paris"}');
    expect(streamed.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('passes requests it cannot cache straight to the API', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Time?' }],
      logprobs: true,
    };
    const before = fake.count(CHAT);
    const a = await client.chat.completions.create(params);
    await client.chat.completions.create(params);
    expect(fake.count(CHAT) - before).toBe(2);
    expect(fake.requests.at(-1)?.body).toEqual(params);
    expect(cacheInfo(a)).toMatchObject({
      source: 'bypass',
      reason: expect.stringContaining('logprobs'),
    });
    const hot = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Poem' }],
      temperature: 1.5,
    };
    await client.chat.completions.create(hot);
    const again = await client.chat.completions.create(hot);
    expect(fake.count(CHAT) - before).toBe(4);
    expect(cacheInfo(again)?.source).toBe('bypass');
  });

  it('leaves the rest of the client working', async () => {
    const response = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'x',
      dimensions: 8,
    });
    expect(response.data).toHaveLength(1);
    expect(client.apiKey).toBe(FAKE_API_KEY);
  });
});

describe('OpenAIEmbedder inside SemanticCache', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(() => fake.stop());

  it('embeds a repeated prompt once (the cache’s embedding LRU)', async () => {
    const embedder = new OpenAIEmbedder({
      apiKey: FAKE_API_KEY,
      baseURL: fake.baseURL,
      dimensions: 64,
    });
    const cache = new SemanticCache({
      exactStore: new MemoryExactStore(),
      vectorStore: new ArrayVectorStore(64),
      embedder,
    });
    const request = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'What is Rust?' }],
    };
    expect((await cache.lookup(request)).hit).toBe(false);
    expect((await cache.lookup(request)).hit).toBe(false);
    expect(fake.count(EMBED)).toBe(1);
    expect(embedder.stats()).toMatchObject({ requests: 1, texts: 1 });
    expect(cache.embedCalls).toBe(1);
    await cache.store(request, {
      content: 'A language.',
      model: 'gpt-4o-mini',
      finishReason: 'stop',
    });
    expect(fake.count(EMBED)).toBe(1);
    const paraphrase = {
      ...request,
      messages: [{ role: 'user' as const, content: 'What is Rust??' }],
    };
    const hit = await cache.lookup(paraphrase);
    expect(fake.count(EMBED)).toBe(2);
    expect(hit).toMatchObject({ hit: true, source: 'semantic' });
    await cache.close();
  });
});
