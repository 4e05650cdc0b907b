import type { RetryInfo } from '@cache/core';
import {
  cosineSimilarity,
  EmbedderError,
  InvalidOptionError,
  InvalidRequestError,
} from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../src/index.js';
import { FAKE_API_KEY, FakeOpenAI } from './fake-openai.js';

const EMBED = '/v1/embeddings';

describe('OpenAIEmbedder against the fake API', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(() => fake.stop());

  const make = (options: OpenAIEmbedderOptions = {}) =>
    new OpenAIEmbedder({ apiKey: FAKE_API_KEY, baseURL: fake.baseURL, baseDelayMs: 1, ...options });

  it('returns one unit Float32Array per text, in order, of the model’s length', async () => {
    const embedder = make();
    expect(embedder.id).toBe('openai/text-embedding-3-small@1536');
    const [a, b, a2] = await embedder.embed([
      'What is Python?',
      'What is Rust?',
      'What is Python?',
    ]);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(1536);
    expect(a2).toEqual(a);
    expect(cosineSimilarity(a as Float32Array, b as Float32Array)).toBeLessThan(0.99);
    const sent = fake.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'text-embedding-3-small', encoding_format: 'base64' });
    expect(sent).not.toHaveProperty('dimensions');
  });

  it('sends the dimensions option and names it in the id', async () => {
    const embedder = make({ dimensions: 256 });
    expect(embedder.id).toBe('openai/text-embedding-3-small@256');
    expect(embedder.dimension).toBe(256);
    const [v] = await embedder.embed(['hello']);
    expect(v).toHaveLength(256);
    expect(fake.requests.at(-1)?.body).toMatchObject({ dimensions: 256 });
  });

  it('splits large inputs into batches and keeps the order', async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `text number ${i}`);
    const before = fake.count(EMBED);
    const batched = await make({ batchSize: 3 }).embed(texts);
    expect(fake.count(EMBED) - before).toBe(3);
    const single = await make().embed(texts);
    expect(fake.count(EMBED) - before).toBe(4);
    expect(batched).toEqual(single);
  });

  it('uses 2048 inputs per request by default, the API’s limit', async () => {
    const texts = Array.from({ length: 2049 }, (_, i) => `t${i}`);
    const before = fake.count(EMBED);
    const vectors = await make({ dimensions: 8 }).embed(texts);
    expect(vectors).toHaveLength(2049);
    const sizes = fake.requests
      .slice(-2)
      .map((r) => ((r.body as { input: string[] }).input as string[]).length);
    expect(fake.count(EMBED) - before).toBe(2);
    expect(sizes).toEqual([2048, 1]);
    expect(() => make({ batchSize: 2049 })).toThrow(InvalidOptionError);
  });

  it('keeps each request under the token limit (counted as UTF-8 bytes)', async () => {
    const before = fake.count(EMBED);
    const texts = ['aaaa', 'bbbb', 'cccc', 'dddddddddddd', 'é'];
    const vectors = await make({ maxBatchTokens: 10 }).embed(texts);
    expect(vectors).toHaveLength(5);
    const sizes = fake.requests
      .slice(-(fake.count(EMBED) - before))
      .map((r) => (r.body as { input: string[] }).input);
    expect(sizes).toEqual([['aaaa', 'bbbb'], ['cccc'], ['dddddddddddd'], ['é']]);
  });

  it('retries a 429 twice, honouring retry-after, then succeeds and counts the retries', async () => {
    const retries: RetryInfo[] = [];
    const embedder = make({ onRetry: (info) => retries.push(info) });
    fake.failNext(
      EMBED,
      { status: 429, headers: { 'retry-after-ms': '7' } },
      { status: 429, headers: { 'retry-after': '0' } },
    );
    const before = fake.count(EMBED);
    const [v] = await embedder.embed(['rate limited']);
    expect(v).toHaveLength(1536);
    expect(fake.count(EMBED) - before).toBe(3);
    expect(embedder.retries).toBe(2);
    expect(embedder.stats()).toMatchObject({ retries: 2, requests: 3, failures: 0 });
    expect(retries.map((r) => [r.status, r.delayMs, r.delaySource])).toEqual([
      [429, 7, 'retry-after'],
      [429, 0, 'retry-after'],
    ]);
  });

  it('retries a 500 with backoff and gives up after maxRetries with a retryable error', async () => {
    const embedder = make({ maxRetries: 1 });
    fake.failNext(EMBED, { status: 500 }, { status: 503 });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('503');
    expect(embedder.stats()).toMatchObject({ retries: 1, failures: 1 });
    fake.failNext(EMBED, { status: 502 });
    await expect(embedder.embed(['x'])).resolves.toHaveLength(1);
  });

  it('does not retry an exhausted quota (429 insufficient_quota)', async () => {
    const embedder = make();
    fake.failNext(EMBED, {
      status: 429,
      body: JSON.stringify({
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      }),
    });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: false });
    expect(embedder.retries).toBe(0);
  });

  it('fails at once, retryable, when retry-after is longer than maxRetryAfterMs', async () => {
    const embedder = make({ maxRetryAfterMs: 1000 });
    fake.failNext(EMBED, { status: 429, headers: { 'retry-after': '120' } });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: true });
    expect((error as Error).message).toContain('120 s');
    expect(embedder.retries).toBe(0);
  });

  it('reports malformed JSON as a non-retryable EmbedderError', async () => {
    const embedder = make();
    fake.failNext(EMBED, { status: 200, body: '{"object":"list","data":[' });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toMatch(/JSON/);
  });

  it('reports a wrong key as a non-retryable EmbedderError that names the fix', async () => {
    const embedder = new OpenAIEmbedder({ apiKey: 'sk-wrong', baseURL: fake.baseURL });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: false });
    expect((error as Error).message).toContain('OPENAI_API_KEY');
  });

  it('reports an unreachable server as a retryable EmbedderError after retrying', async () => {
    const embedder = new OpenAIEmbedder({
      apiKey: FAKE_API_KEY,
      baseURL: 'http://127.0.0.1:9/v1',
      maxRetries: 1,
      baseDelayMs: 1,
    });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: true });
    expect(embedder.retries).toBe(1);
  });

  it('rejects bad input before any request and honours an aborted signal', async () => {
    const embedder = make();
    const before = fake.count(EMBED);
    await expect(embedder.embed([])).rejects.toThrow(InvalidRequestError);
    await expect(embedder.embed(['ok', ''])).rejects.toThrow(InvalidRequestError);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(embedder.embed(['x'], { signal: controller.signal })).rejects.toThrow('stop');
    expect(fake.count(EMBED)).toBe(before);
  });

  it('validates its options', () => {
    expect(() => make({ model: 'text-embedding-ada-002', dimensions: 256 })).toThrow(
      InvalidOptionError,
    );
    expect(() => make({ dimensions: 4000 })).toThrow(InvalidOptionError);
    expect(() => make({ model: 'my-own-model' })).toThrow(InvalidOptionError);
    expect(make({ model: 'my-own-model', dimension: 384 }).id).toBe('openai/my-own-model@384');
    expect(() => make({ maxRetries: -1 })).toThrow(InvalidOptionError);
  });

  it('declares a multilingual model with a window of 8191 tokens', () => {
    expect(make().coverage).toEqual({ languages: '*', maxTokens: 8191 });
  });

  it('inspect passes text that surely fits and reports text that may not, by UTF-8 bytes', () => {
    const embedder = make();
    expect(embedder.inspect('Wie spät ist es in Tokio? 这个多少钱？ 🙂')).toBeUndefined();
    expect(embedder.inspect('a'.repeat(8191))).toBeUndefined();
    expect(embedder.inspect('a'.repeat(8192))).toMatch(/at least 8192 UTF-8 bytes/);
    // 3 bytes a character: 2731 characters are 8193 bytes.
    expect(embedder.inspect('中'.repeat(2730))).toBeUndefined();
    expect(embedder.inspect('中'.repeat(2731))).toMatch(/: 8193 UTF-8 bytes, and only 8191/);
    expect(embedder.inspect('x'.repeat(5_000_000))).toMatch(/at least 5000000 UTF-8 bytes/);
  });
});
