import { type ChatChunk, InvalidRequestError, ModelError } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIChatModel, type OpenAIChatModelOptions } from '../src/index.js';
import { FAKE_API_KEY, FakeOpenAI } from './fake-openai.js';

const CHAT = '/v1/chat/completions';

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('OpenAIChatModel against the fake API', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(() => fake.stop());

  const make = (options: OpenAIChatModelOptions = {}) =>
    new OpenAIChatModel({
      apiKey: FAKE_API_KEY,
      baseURL: fake.baseURL,
      baseDelayMs: 1,
      ...options,
    });
  const ask = (content: string) => ({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content },
    ],
  });

  it('completes a request and maps the answer, finish reason and usage', async () => {
    const response = await make().complete({ ...ask('What is Python?'), temperature: 0, seed: 7 });
    expect(response).toEqual({
      content: 'Answer to: What is Python?',
      model: 'gpt-4o-mini-2024-07-18',
      finishReason: 'stop',
      usage: { promptTokens: 5, completionTokens: 5, totalTokens: 10 },
      extra: { system_fingerprint: 'fp_fake' },
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0,
      seed: 7,
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is Python?' },
      ],
    });
  });

  it('sends maxTokens as max_completion_tokens, or max_tokens when asked', async () => {
    const cut = await make().complete({ ...ask('one two three four'), maxTokens: 3 });
    expect(cut).toMatchObject({ content: 'Answer to: one', finishReason: 'length' });
    expect(fake.requests.at(-1)?.body).toMatchObject({ max_completion_tokens: 3 });
    await make({ maxTokensField: 'max_tokens' }).complete({ ...ask('x'), maxTokens: 3 });
    const body = fake.requests.at(-1)?.body as Record<string, unknown>;
    expect(body.max_tokens).toBe(3);
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('streams the answer in several chunks; the last carries finish reason and usage', async () => {
    const chunks = await collect(make().stream(ask('Tell me about streams')));
    const deltas = chunks.filter((c) => c.delta.length > 0);
    expect(deltas.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.delta).join('')).toBe('Answer to: Tell me about streams');
    expect(chunks.at(-1)).toEqual({
      delta: '',
      finishReason: 'stop',
      usage: { promptTokens: 6, completionTokens: 6, totalTokens: 12 },
    });
    expect(chunks.slice(0, -1).every((c) => c.finishReason === undefined)).toBe(true);
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('retries a stream that was refused with 429 before its first chunk', async () => {
    const model = make();
    fake.failNext(CHAT, { status: 429, headers: { 'retry-after-ms': '1' } });
    const chunks = await collect(model.stream(ask('again')));
    expect(chunks.map((c) => c.delta).join('')).toBe('Answer to: again');
    expect(model.retries).toBe(1);
  });

  it('gives up on repeated 500s with a retryable ModelError', async () => {
    const model = make({ maxRetries: 2 });
    fake.failNext(CHAT, { status: 500 }, { status: 500 }, { status: 500 });
    const error = await model.complete(ask('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ retryable: true });
    expect(model.stats()).toMatchObject({ requests: 3, retries: 2, failures: 1 });
  });

  it('reports malformed JSON as a non-retryable ModelError', async () => {
    fake.failNext(CHAT, { status: 200, body: '{"id": "chatcmpl-1", "choices": [' });
    const error = await make()
      .complete(ask('x'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelError', retryable: false });
  });

  it('reports a bad request (400) as a non-retryable ModelError with the API’s message', async () => {
    const error = await make()
      .complete({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        maxTokens: 1,
        stop: ['a'],
      })
      .then(() => make().complete({ ...ask('x'), model: '' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    fake.failNext(CHAT, { status: 400 });
    const bad = await make()
      .complete(ask('x'))
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'ModelError', retryable: false });
    expect((bad as Error).message).toContain('400');
  });

  it('aborts a call with the signal’s reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(make().complete(ask('x'), { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
  });

  it('stops a stream at once when its signal aborts midway', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of make().stream(ask('a b c d e f'), { signal: controller.signal })) {
        seen.push(chunk.delta);
        if (chunk.delta) controller.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'enough' });
    expect(seen.filter((d) => d !== '')).toEqual(['Answer']);
  });
});
