import { createOpenAI } from '@ai-sdk/openai';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedOpenAI } from './support/scripted-openai.js';
import { startService } from './support/service.js';

const CHAT = '/v1/chat/completions';
const RESPONSES = '/v1/responses';

let upstream: ScriptedOpenAI;
let service: Awaited<ReturnType<typeof startService>>;

/** What a client sent to the service and the `x-cache` it got back, request by request. */
const exchanges: { path: string; body: string; cache: string | null }[] = [];

/** A fetch that records each exchange with the service (body sent, x-cache received). */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  exchanges.push({
    path: url.pathname,
    body: typeof init?.body === 'string' ? init.body : '',
    cache: response.headers.get('x-cache'),
  });
  return response;
};

const lastCache = () => exchanges.at(-1)?.cache;

const weatherSchema = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const }, unit: { type: 'string' as const } },
  required: ['city'],
  additionalProperties: false,
};

beforeAll(async () => {
  upstream = await ScriptedOpenAI.start();
  service = await startService(upstream);
});

afterAll(async () => {
  await service?.close();
  await upstream?.stop();
});

describe('the AI SDK (ai 6, @ai-sdk/openai 3) against the service', () => {
  const provider = () =>
    createOpenAI({ baseURL: `${service.base}/v1`, apiKey: 'sk-ai-sdk', fetch: recordingFetch });

  it('.chat(): text, then an exact hit', async () => {
    const model = provider().chat('gpt-4o-mini');
    const first = await generateText({ model, prompt: 'What is Rust?', maxRetries: 0 });
    expect(first.text).toBe('Answer to: What is Rust?');
    expect(lastCache()).toBe('miss');
    const before = upstream.calls(CHAT).length;
    const second = await generateText({ model, prompt: 'What is Rust?', maxRetries: 0 });
    expect(second.text).toBe(first.text);
    expect(lastCache()).toBe('exact');
    expect(upstream.calls(CHAT).length).toBe(before);
    expect(second.usage.inputTokens).toBe(0);
  });

  it('.chat() with a tool: the tool call is parsed, cached and replayed streamed', async () => {
    const model = provider().chat('gpt-4o-mini');
    const tools = {
      get_weather: tool({
        description: 'Weather of a city',
        inputSchema: jsonSchema(weatherSchema),
      }),
    };
    const first = await generateText({ model, prompt: 'Weather in Paris?', tools, maxRetries: 0 });
    expect(first.toolCalls).toHaveLength(1);
    expect(first.toolCalls[0]).toMatchObject({
      toolName: 'get_weather',
      input: { city: 'Paris', unit: 'celsius' },
    });
    expect(upstream.last(CHAT).body.tools).toEqual([
      expect.objectContaining({
        type: 'function',
        function: expect.objectContaining({ name: 'get_weather' }),
      }),
    ]);
    const streamed = streamText({ model, prompt: 'Weather in Paris?', tools, maxRetries: 0 });
    const calls = await streamed.toolCalls;
    expect(calls[0]).toMatchObject({
      toolName: 'get_weather',
      input: { city: 'Paris', unit: 'celsius' },
    });
    expect(lastCache()).toBe('exact');
  });

  it('the default Responses model: text input cached like chat, answered by the chat model', async () => {
    const model = provider()('gpt-4o-mini');
    const before = {
      chat: upstream.calls(CHAT).length,
      responses: upstream.calls(RESPONSES).length,
    };
    const first = await generateText({ model, prompt: 'Explain caching', maxRetries: 0 });
    expect(first.text).toBe('Answer to: Explain caching');
    expect(exchanges.at(-1)?.path).toBe('/v1/responses');
    expect(lastCache()).toBe('miss');
    const second = await generateText({ model, prompt: 'Explain caching', maxRetries: 0 });
    expect(second.text).toBe(first.text);
    expect(lastCache()).toBe('exact');
    const streamed = streamText({ model, prompt: 'Explain caching', maxRetries: 0 });
    expect(await streamed.text).toBe(first.text);
    expect(lastCache()).toBe('exact');
    const fresh = streamText({ model, prompt: 'Explain streaming', maxRetries: 0 });
    expect(await fresh.text).toBe('Answer to: Explain streaming');
    expect(lastCache()).toBe('miss');
    expect(upstream.calls(CHAT).length - before.chat).toBe(2);
    expect(upstream.calls(RESPONSES).length - before.responses).toBe(0);
    // The same conversation through chat completions is the same entry.
    await generateText({
      model: provider().chat('gpt-4o-mini'),
      prompt: 'Explain caching',
      maxRetries: 0,
    });
    expect(lastCache()).toBe('exact');
  });

  it('the Responses model with tools: passed upstream byte for byte', async () => {
    const model = provider()('gpt-4o-mini');
    const tools = {
      get_weather: tool({
        description: 'Weather of a city',
        inputSchema: jsonSchema(weatherSchema),
      }),
    };
    const result = await generateText({ model, prompt: 'Weather in Rome?', tools, maxRetries: 0 });
    expect(result.text).toBe('Upstream responses answer');
    expect(lastCache()).toBe('bypass');
    expect(upstream.last(RESPONSES).raw).toBe(exchanges.at(-1)?.body);
  });
});

describe("LangChain's ChatOpenAI (@langchain/openai 1.5) against the service", () => {
  const llm = () =>
    new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'sk-langchain',
      maxRetries: 0,
      configuration: { baseURL: `${service.base}/v1`, fetch: recordingFetch },
    });

  it('invoke and stream: text, then exact hits', async () => {
    const first = await llm().invoke('What is Go?');
    expect(first.content).toBe('Answer to: What is Go?');
    expect(lastCache()).toBe('miss');
    const second = await llm().invoke('What is Go?');
    expect(second.content).toBe(first.content);
    expect(lastCache()).toBe('exact');
    let streamed = '';
    for await (const chunk of await llm().stream('What is Go?')) streamed += String(chunk.content);
    expect(streamed).toBe(first.content);
    expect(lastCache()).toBe('exact');
  });

  it('bindTools: the tool call is parsed and cached; the tool-result turn passes through untouched', async () => {
    const model = llm().bindTools([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: weatherSchema },
      },
    ]);
    const first = await model.invoke('Weather in Oslo?');
    expect(first.tool_calls?.[0]).toMatchObject({
      name: 'get_weather',
      args: { city: 'Paris', unit: 'celsius' },
    });
    expect(lastCache()).toBe('miss');
    const again = await model.invoke('Weather in Oslo?');
    expect(again.tool_calls?.[0]?.id).toBe(first.tool_calls?.[0]?.id);
    expect(lastCache()).toBe('exact');
    const call = first.tool_calls?.[0];
    const answer = await model.invoke([
      new HumanMessage('Weather in Oslo?'),
      new AIMessage({ content: '', tool_calls: call ? [call] : [] }),
      new ToolMessage({ content: '{"temp":4}', tool_call_id: call?.id ?? '' }),
    ]);
    expect(answer.content).toBe('From the tool: {"temp":4}');
    expect(lastCache()).toBe('bypass');
    expect(upstream.last(CHAT).raw).toBe(exchanges.at(-1)?.body);
  });
});
