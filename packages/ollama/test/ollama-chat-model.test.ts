import { type ChatChunk, ModelError } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaChatModel, type OllamaChatModelOptions } from '../src/index.js';
import { FakeOllama } from './fake-ollama.js';

const CHAT = '/api/chat';

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('OllamaChatModel against the fake server', () => {
  let fake: FakeOllama;
  beforeAll(async () => {
    fake = await FakeOllama.start();
  });
  afterAll(() => fake.stop());

  const make = (options: OllamaChatModelOptions = {}) =>
    new OllamaChatModel({ baseUrl: fake.url, baseDelayMs: 1, ...options });
  const ask = (content: string) => ({
    model: 'llama3.2',
    messages: [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content },
    ],
  });

  it('completes with stream:false and maps options, answer and usage', async () => {
    const response = await make().complete({
      ...ask('What is Python?'),
      temperature: 0,
      topP: 0.9,
      seed: 1,
      stop: ['\n\n'],
    });
    expect(response).toEqual({
      content: 'Answer to: What is Python?',
      model: 'llama3.2',
      finishReason: 'stop',
      usage: { promptTokens: 5, completionTokens: 5, totalTokens: 10 },
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: false,
      options: { temperature: 0, top_p: 0.9, seed: 1, stop: ['\n\n'] },
    });
  });

  it('maps tool calls both ways: arguments as JSON text, tool results with tool_name', async () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const answer = await make().complete({ ...ask('Weather in Paris?'), tools });
    expect(answer.finishReason).toBe('tool_calls');
    expect(answer.toolCalls).toEqual([
      { id: expect.stringMatching(/^call_0_/), name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    const call = answer.toolCalls?.[0] as NonNullable<typeof answer.toolCalls>[number];
    const followUp = await make().complete({
      model: 'llama3.2',
      tools,
      messages: [
        { role: 'developer', content: 'Use tools.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', content: '{"t":21}', toolCallId: call.id },
      ],
      extra: { presence_penalty: 0.5, max_tokens: 30 },
    });
    expect(followUp.toolCalls).toBeUndefined();
    expect(fake.requests.at(-1)?.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Use tools.' },
        { role: 'user' },
        {
          role: 'assistant',
          tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '{"t":21}', tool_name: 'get_weather' },
      ],
      options: { presence_penalty: 0.5, num_predict: 30 },
    });
    await expect(make().complete({ ...ask('x'), extra: { logit_bias: { 1: 2 } } })).rejects.toThrow(
      /no option for request.extra.logit_bias/,
    );
    const streamed = await collect(make().stream({ ...ask('Weather in Paris?'), tools }));
    expect(streamed.flatMap((c) => c.toolCalls ?? [])).toEqual([
      { index: 0, id: expect.any(String), name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(streamed.at(-1)?.finishReason).toBe('tool_calls');
  });

  it('sends maxTokens as num_predict', async () => {
    const response = await make().complete({ ...ask('one two three'), maxTokens: 2 });
    expect(response).toMatchObject({ content: 'Answer to:', finishReason: 'length' });
    expect(fake.requests.at(-1)?.body).toMatchObject({ options: { num_predict: 2 } });
  });

  it('streams NDJSON in several chunks; the last carries finish reason and usage', async () => {
    const chunks = await collect(make().stream(ask('Tell me about streams')));
    expect(chunks.filter((c) => c.delta.length > 0).length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.delta).join('')).toBe('Answer to: Tell me about streams');
    expect(chunks.at(-1)).toEqual({
      delta: '',
      finishReason: 'stop',
      usage: { promptTokens: 6, completionTokens: 6, totalTokens: 12 },
    });
    expect(chunks.slice(0, -1).every((c) => c.finishReason === undefined)).toBe(true);
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true });
  });

  it('retries a stream refused with 503 (queue full) before it starts', async () => {
    const model = make();
    fake.failNext(CHAT, { status: 503 });
    const chunks = await collect(model.stream(ask('again')));
    expect(chunks.map((c) => c.delta).join('')).toBe('Answer to: again');
    expect(model.retries).toBe(1);
  });

  it('fails a stream whose server reports an error mid-way, keeping what came before', async () => {
    fake.failNext(CHAT, { status: 200, failStreamAfter: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of make().stream(ask('a b c d'))) seen.push(chunk.delta);
    })().catch((e: unknown) => e);
    expect(seen.join('')).toBe('Answer to:');
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toContain('unexpected EOF');
  });

  it('reports 429 after retries, a missing model and malformed JSON as typed errors', async () => {
    fake.failNext(CHAT, { status: 429 }, { status: 429 });
    await expect(make({ maxRetries: 1 }).complete(ask('x'))).rejects.toMatchObject({
      name: 'ModelError',
      retryable: true,
    });
    const missing = await make()
      .complete({ ...ask('x'), model: 'not-pulled' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'ModelError', retryable: false });
    expect((missing as Error).message).toContain('not found');
    fake.failNext(CHAT, { status: 200, body: '{"model":"llama3.2","message":' });
    await expect(make().complete(ask('x'))).rejects.toMatchObject({
      name: 'ModelError',
      retryable: false,
    });
  });

  it('aborts with the signal’s reason, also in the middle of a stream', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(make().complete(ask('x'), { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    const midway = new AbortController();
    const error = await (async () => {
      for await (const chunk of make().stream(ask('a b c d e f'), { signal: midway.signal })) {
        if (chunk.delta) midway.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'enough' });
  });
});
