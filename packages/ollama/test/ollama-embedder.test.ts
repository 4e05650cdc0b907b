import type { RetryInfo } from '@cache/core';
import {
  cosineSimilarity,
  EmbedderError,
  InvalidOptionError,
  InvalidRequestError,
} from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaEmbedder, type OllamaEmbedderOptions } from '../src/index.js';
import { FakeOllama } from './fake-ollama.js';

const EMBED = '/api/embed';

describe('OllamaEmbedder against the fake server', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    fake = await FakeOllama.start();
  });
  afterAll(() => fake.stop());

  const make = (options: OllamaEmbedderOptions = {}) =>
    new OllamaEmbedder({ baseUrl: fake.url, baseDelayMs: 1, ...options });

  it('embeds a batch in one request, in order, as Float32Arrays', async () => {
    const embedder = make();
    expect(embedder.id).toBe('ollama/nomic-embed-text@768');
    const before = fake.count(EMBED);
    const [a, b, a2] = await embedder.embed([
      'What is Python?',
      'What is Rust?',
      'What is Python?',
    ]);
    expect(fake.count(EMBED) - before).toBe(1);
    expect(fake.requests.at(-1)?.body).toEqual({
      model: 'nomic-embed-text',
      input: ['What is Python?', 'What is Rust?', 'What is Python?'],
    });
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(768);
    expect(a2).toEqual(a);
    expect(cosineSimilarity(a as Float32Array, b as Float32Array)).toBeLessThan(0.99);
  });

  it('splits into batches of batchSize and keeps the order', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `text ${i}`);
    const before = fake.count(EMBED);
    const batched = await make({ batchSize: 2 }).embed(texts);
    expect(fake.count(EMBED) - before).toBe(3);
    expect(batched).toEqual(await make().embed(texts));
  });

  it('sends dimensions and keep_alive when given and uses a trailing-slash base URL', async () => {
    const embedder = make({ baseUrl: `${fake.url}/`, dimensions: 64, keepAlive: '10m' });
    expect(embedder.id).toBe('ollama/nomic-embed-text@64');
    const [v] = await embedder.embed(['x']);
    expect(v).toHaveLength(64);
    expect(fake.requests.at(-1)?.body).toMatchObject({ dimensions: 64, keep_alive: '10m' });
  });

  it('retries 429 twice, honouring retry-after, then succeeds and counts the retries', async () => {
    const retries: RetryInfo[] = [];
    const embedder = make({ onRetry: (info) => retries.push(info) });
    fake.failNext(EMBED, { status: 429, headers: { 'retry-after': '0' } }, { status: 429 });
    const [v] = await embedder.embed(['busy']);
    expect(v).toHaveLength(768);
    expect(embedder.retries).toBe(2);
    expect(embedder.stats()).toMatchObject({ requests: 3, retries: 2, failures: 0 });
    expect(retries.map((r) => [r.status, r.delaySource])).toEqual([
      [429, 'retry-after'],
      [429, 'backoff'],
    ]);
    expect(retries[0]?.delayMs).toBe(0);
  });

  it('retries 500 and 503 and gives up with a retryable EmbedderError', async () => {
    const embedder = make({ maxRetries: 1 });
    fake.failNext(EMBED, { status: 503 }, { status: 500 });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('llama runner process has terminated');
    expect(embedder.retries).toBe(1);
  });

  it('reports a missing model (404) as non-retryable, saying to pull it', async () => {
    const error = await make({ model: 'all-minilm:latest', dimension: 384 })
      .embed(['x'])
      .then(() => make({ model: 'missing-model', dimension: 8 }).embed(['x']))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: false });
    expect((error as Error).message).toContain('ollama pull');
  });

  it('reports malformed JSON as a non-retryable EmbedderError', async () => {
    fake.failNext(EMBED, { status: 200, body: '{"model":"nomic-embed-text","embeddings":[[0.1,' });
    const error = await make()
      .embed(['x'])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: false });
    expect((error as Error).message).toMatch(/JSON/);
  });

  it('reports an unreachable server as a retryable EmbedderError naming the URL', async () => {
    const embedder = new OllamaEmbedder({
      baseUrl: 'http://127.0.0.1:9',
      maxRetries: 1,
      baseDelayMs: 1,
    });
    const error = await embedder.embed(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EmbedderError', retryable: true });
    expect((error as Error).message).toContain('http://127.0.0.1:9');
    expect(embedder.retries).toBe(1);
  });

  it('detects the dimension of a model it does not know', async () => {
    const embedder = await OllamaEmbedder.detect({ baseUrl: fake.url, model: 'all-minilm' });
    expect(embedder.dimension).toBe(384);
    expect(embedder.id).toBe('ollama/all-minilm@384');
  });

  it('rejects bad input before any request and honours an aborted signal', async () => {
    const embedder = make();
    const before = fake.count(EMBED);
    await expect(embedder.embed([])).rejects.toThrow(InvalidRequestError);
    await expect(embedder.embed(['a', ''])).rejects.toThrow(InvalidRequestError);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(embedder.embed(['x'], { signal: controller.signal })).rejects.toThrow('stop');
    expect(fake.count(EMBED)).toBe(before);
  });

  it('validates its options', () => {
    expect(() => make({ model: 'unknown-model' })).toThrow(InvalidOptionError);
    expect(() => make({ baseUrl: 'localhost:11434' })).toThrow(InvalidOptionError);
    expect(() => make({ batchSize: 0 })).toThrow(InvalidOptionError);
  });

  it('declares English and 512 tokens unless told its model covers more', () => {
    expect(make().coverage).toEqual({ languages: ['en'], maxTokens: 512 });
    const multilingual = make({ model: 'bge-m3', coverage: { languages: '*', maxTokens: 8192 } });
    expect(multilingual.coverage).toEqual({ languages: '*', maxTokens: 8192 });
    const languages = ['en', 'de'];
    const declared = make({ coverage: { languages, maxTokens: 256 } });
    languages.push('fr'); // the embedder keeps its own copy
    expect(declared.coverage).toEqual({ languages: ['en', 'de'], maxTokens: 256 });
  });

  it('rejects a malformed coverage with InvalidOptionError saying what is wrong', () => {
    const bad = (coverage: unknown) => () => make({ coverage: coverage as never });
    expect(bad(null)).toThrow(/coverage must be an object/);
    expect(bad({ languages: [], maxTokens: 512 })).toThrow(/non-empty list/);
    expect(bad({ languages: ['english'], maxTokens: 512 })).toThrow(/"english", not a two-letter/);
    expect(bad({ languages: ['en'], maxTokens: 0 })).toThrow(
      /maxTokens must be a positive integer/,
    );
    expect(bad({ languages: ['en'], maxTokens: 1.5 })).toThrow(InvalidOptionError);
    expect(bad({ languages: ['en'], maxTokens: 512, max: 1 })).toThrow(/unknown keys max/);
  });
});
