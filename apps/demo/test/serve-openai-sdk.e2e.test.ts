import { cacheInfo, withCache } from '@cache/openai';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantOf } from '../src/serve/request-options.js';
import { ScriptedOpenAI, UPSTREAM_KEY } from './support/scripted-openai.js';
import { ADMIN_HEADERS, startService } from './support/service.js';

const CHAT = '/v1/chat/completions';
const CLIENT_KEY = 'sk-client-of-the-service';

let upstream: ScriptedOpenAI;
let service: Awaited<ReturnType<typeof startService>>;
let client: OpenAI;

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

beforeAll(async () => {
  upstream = await ScriptedOpenAI.start();
  service = await startService(upstream);
  client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${service.base}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await service?.close();
  await upstream?.stop();
});

/** Sends `params` twice; returns both answers with their headers. */
async function twice(params: ChatCompletionCreateParamsNonStreaming) {
  const first = await client.chat.completions.create(params).withResponse();
  const second = await client.chat.completions.create(params).withResponse();
  return { first, second };
}

describe('the service behind the openai SDK', () => {
  it('passes tool calls through, caches them and replays them exactly', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'What is the weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'auto' as const,
      parallel_tool_calls: false,
    };
    const before = upstream.calls(CHAT).length;
    const { first, second } = await twice(params);
    expect(upstream.calls(CHAT).length - before).toBe(1);
    expect(upstream.last(CHAT).body).toMatchObject({
      tools: [weatherTool],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const call = first.data.choices[0]?.message.tool_calls?.[0];
    expect(first.data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    });
    expect(first.response.headers.get('x-cache')).toBe('miss');
    expect(second.response.headers.get('x-cache')).toBe('exact');
    expect(second.response.headers.get('x-cache-exact-only')).toMatch(/tools/);
    expect(second.data.choices).toEqual(first.data.choices);
    expect(second.data.system_fingerprint).toBe('fp_scripted');
    expect(second.data.usage).toMatchObject({ prompt_tokens: 0, total_tokens: 0 });
    expect(JSON.parse(second.response.headers.get('x-cache-original-usage') ?? '{}')).toEqual({
      prompt_tokens: first.data.usage?.prompt_tokens,
      completion_tokens: first.data.usage?.completion_tokens,
      total_tokens: first.data.usage?.total_tokens,
    });
    expect(first.data.usage?.prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
  });

  it('streams tool-call deltas the SDK assembles, and replays them from the cache', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Weather in Lyon, streamed?' }],
      tools: [weatherTool],
      stream_options: { include_usage: true },
    };
    const before = upstream.calls(CHAT).length;
    const run = async () => {
      const stream = client.chat.completions.stream(params);
      const response = await stream.finalChatCompletion();
      return response;
    };
    const first = await run();
    const second = await run();
    expect(upstream.calls(CHAT).length - before).toBe(1);
    for (const answer of [first, second]) {
      expect(answer.choices[0]?.finish_reason).toBe('tool_calls');
      expect(answer.choices[0]?.message.tool_calls?.[0]?.function).toEqual({
        name: 'get_weather',
        arguments: '{"city":"Paris","unit":"celsius"}',
      });
    }
    expect(second.choices[0]?.message.tool_calls?.[0]?.id).toBe(
      first.choices[0]?.message.tool_calls?.[0]?.id,
    );
    const raw = await fetch(`${service.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ ...params, stream: true }),
    });
    expect(raw.headers.get('x-cache')).toBe('exact');
    const events = (await raw.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    expect(events.slice(0, -1).every((e) => e.usage === null)).toBe(true);
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 0 } });
    expect(events.every((e) => e.system_fingerprint === 'fp_scripted')).toBe(true);
  });

  it('passes a tool-result turn upstream byte for byte, never cached', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user' as const, content: 'What is the weather in Paris?' },
        {
          role: 'assistant' as const,
          content: null,
          tool_calls: [
            {
              id: 'call_abc',
              type: 'function' as const,
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool' as const, tool_call_id: 'call_abc', content: '{"temp":21}' },
      ],
      tools: [weatherTool],
    };
    const { first, second } = await twice(params);
    expect(first.data.choices[0]?.message.content).toBe('From the tool: {"temp":21}');
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
    expect(
      upstream
        .calls(CHAT)
        .slice(-2)
        .map((r) => r.raw),
    ).toEqual([JSON.stringify(params), JSON.stringify(params)]);
    expect(second.response.headers.get('x-cache')).toBe('bypass');
    expect(second.response.headers.get('x-cache-reason')).toMatch(/last message is a tool message/);
  });

  it('passes n: 2 through untouched and returns both choices', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Two ideas for a name' }],
      n: 2,
    };
    const before = upstream.calls(CHAT).length;
    const { first, second } = await twice(params);
    expect(upstream.calls(CHAT).length - before).toBe(2);
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
    expect(first.data.choices.map((c) => c.message.content)).toEqual([
      'Answer to: Two ideas for a name (choice 0)',
      'Answer to: Two ideas for a name (choice 1)',
    ]);
    expect(second.response.headers.get('x-cache')).toBe('bypass');
    expect(second.response.headers.get('x-cache-reason')).toMatch(/^n: several choices/);
  });

  it('streams a passed-through answer as the upstream sent it', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Two streamed ideas' }],
      n: 2,
      stream: true as const,
    };
    const { data: stream, response } = await client.chat.completions.create(params).withResponse();
    expect(response.headers.get('x-cache')).toBe('bypass');
    const byChoice = ['', ''];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) byChoice[choice.index] += choice.delta.content ?? '';
    }
    // The scripted upstream streams its first choice only.
    expect(byChoice[0]).toBe('Answer to: Two streamed ideas');
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
  });

  it('passes logprobs through untouched, never served from the plain request’s entry', async () => {
    const plain = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Say hi' }],
    };
    await client.chat.completions.create(plain);
    const params = { ...plain, logprobs: true, top_logprobs: 1 };
    const { first, second } = await twice(params);
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
    expect(first.data.choices[0]?.logprobs?.content?.[0]?.token).toBe('Answer');
    expect(first.response.headers.get('x-cache')).toBe('bypass');
    expect(second.response.headers.get('x-cache')).toBe('bypass');
  });

  it('caches a response_format JSON schema answer exactly, the schema in the scope', async () => {
    const schema = {
      type: 'json_schema' as const,
      json_schema: {
        name: 'answer',
        strict: true,
        schema: {
          type: 'object',
          properties: { answer: { type: 'string' } },
          required: ['answer'],
          additionalProperties: false,
        },
      },
    };
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Capital of Italy, as JSON' }],
      response_format: schema,
    };
    const { first, second } = await twice(params);
    expect(upstream.last(CHAT).body.response_format).toEqual(schema);
    expect(JSON.parse(first.data.choices[0]?.message.content ?? '')).toEqual({
      answer: 'Capital of Italy, as JSON',
    });
    expect(second.response.headers.get('x-cache')).toBe('exact');
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    const other = await client.chat.completions
      .create({ ...params, response_format: { type: 'json_object' } })
      .withResponse();
    expect(other.response.headers.get('x-cache')).toBe('miss');
  });

  it('forwards an unknown field untouched and does not cache the answer', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Hello with a vendor knob' }],
      vendor_knob: { level: 3 },
    } as unknown as ChatCompletionCreateParamsNonStreaming;
    const { first, second } = await twice(params);
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
    expect(first.data.choices[0]?.message.content).toBe('Answer to: Hello with a vendor knob');
    expect(second.response.headers.get('x-cache')).toBe('bypass');
    expect(second.response.headers.get('x-cache-reason')).toMatch(/vendor_knob: unknown field/);
  });

  it('forwards scoped and passthrough fields to the upstream on a miss', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Penalized question' }],
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      logit_bias: { '1234': -5 },
      max_tokens: 40,
      user: 'user-17',
      metadata: { team: 'a' },
    };
    const { first, second } = await twice(params);
    expect(upstream.last(CHAT).body).toMatchObject(params);
    expect(first.response.headers.get('x-cache')).toBe('miss');
    expect(second.response.headers.get('x-cache')).toBe('exact');
    const otherUser = await client.chat.completions
      .create({ ...params, user: 'user-18' })
      .withResponse();
    expect(otherUser.response.headers.get('x-cache')).toBe('exact');
    const otherPenalty = await client.chat.completions
      .create({ ...params, presence_penalty: 0.6 })
      .withResponse();
    expect(otherPenalty.response.headers.get('x-cache')).toBe('miss');
  });

  it('passes image parts through uncached instead of refusing them', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'What is in this image?' },
            {
              type: 'image_url' as const,
              image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' },
            },
          ],
        },
      ],
    };
    const { first, second } = await twice(params);
    expect(first.response.status).toBe(200);
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
    expect(second.response.headers.get('x-cache')).toBe('bypass');
  });

  it('passes a request with x-cache-bypass upstream byte for byte', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Skip the cache' }],
    };
    const answer = await client.chat.completions
      .create(params, { headers: { 'x-cache-bypass': '1' } })
      .withResponse();
    expect(answer.response.headers.get('x-cache')).toBe('bypass');
    expect(upstream.last(CHAT).raw).toBe(JSON.stringify(params));
  });

  it('answers client.responses.create from the cache, plain and streamed', async () => {
    const params = {
      model: 'gpt-4o-mini',
      input: 'Hello through responses',
      instructions: 'Be brief.',
    };
    const before = upstream.calls(CHAT).length;
    const first = await client.responses.create(params).withResponse();
    expect(first.data.output_text).toBe('Answer to: Hello through responses');
    expect(first.data.status).toBe('completed');
    expect(first.response.headers.get('x-cache')).toBe('miss');
    const second = await client.responses.create(params).withResponse();
    expect(second.response.headers.get('x-cache')).toBe('exact');
    expect(second.data.output_text).toBe(first.data.output_text);
    expect(second.data.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    const events: string[] = [];
    let text = '';
    for await (const event of await client.responses.create({ ...params, stream: true })) {
      events.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(first.data.output_text);
    expect(events[0]).toBe('response.created');
    expect(events.at(-1)).toBe('response.completed');
    expect(upstream.calls(CHAT).length - before).toBe(1);
    expect(upstream.calls('/v1/responses')).toHaveLength(0);
  });

  it('lists the upstream’s models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini', 'gpt-4.1']);
    expect(upstream.last('/v1/models').method).toBe('GET');
  });

  it('gives the same key from withCache and from the service for one conversation', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'What is a key?' },
      ],
      temperature: 0,
      tools: [weatherTool],
    };
    const served = await client.chat.completions.create(params).withResponse();
    const wrapped = withCache(
      new OpenAI({ apiKey: UPSTREAM_KEY, baseURL: upstream.baseURL, maxRetries: 0 }),
      service.cache,
      { requestOptions: { tenant: tenantOf(`Bearer ${CLIENT_KEY}`) } },
    );
    const before = upstream.calls(CHAT).length;
    const hit = await wrapped.chat.completions.create(params);
    expect(upstream.calls(CHAT).length).toBe(before);
    expect(cacheInfo(hit)).toMatchObject({
      source: 'exact',
      key: served.response.headers.get('x-cache-key'),
    });
    expect(hit.choices[0]?.message.tool_calls).toEqual(served.data.choices[0]?.message.tool_calls);
  });

  it('says shared on followers of one model call, and both counters agree on misses', async () => {
    const stats = async () =>
      (await (await fetch(`${service.base}/cache/stats`, { headers: ADMIN_HEADERS })).json()) as {
        misses: number;
      };
    const metric = async () => {
      const text = await (
        await fetch(`${service.base}/metrics`, { headers: ADMIN_HEADERS })
      ).text();
      return Number(text.match(/^llm_cache_misses_total (\d+)/m)?.[1]);
    };
    const [statsBefore, metricBefore] = [(await stats()).misses, await metric()];
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Eight at once' }],
    };
    const before = upstream.calls(CHAT).length;
    upstream.delayMs = 150;
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => client.chat.completions.create(params).withResponse()),
      );
      const sources = answers.map((a) => a.response.headers.get('x-cache')).sort();
      expect(sources).toEqual(['miss', ...Array(7).fill('shared')]);
      expect(upstream.calls(CHAT).length - before).toBe(1);
      const texts = new Set(answers.map((a) => a.data.choices[0]?.message.content));
      expect(texts.size).toBe(1);
    } finally {
      upstream.delayMs = 0;
    }
    expect((await stats()).misses - statsBefore).toBe(8);
    expect((await metric()) - metricBefore).toBe(8);
  });

  it('names the served entry on a semantic stream and sends usage: null on ordinary chunks', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'what is the python programming language' }],
    });
    const response = await fetch(`${service.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'what is the python programming language exactly' }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.headers.get('x-cache')).toBe('semantic');
    expect(response.headers.get('x-cache-key')).toMatch(/^[0-9a-f]{32}:[0-9a-f]{32}$/);
    const events = (await response.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    expect(events.slice(0, -1).every((e) => e.usage === null)).toBe(true);
    expect(events.map((e) => e.choices[0]?.delta?.content ?? '').join('')).toBe(
      'Answer to: what is the python programming language',
    );
  });
});
