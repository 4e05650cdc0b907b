import { ChunkAssembler } from '@cache/core';
import { describe, expect, it } from 'vitest';
import {
  BYPASS_FIELDS,
  ChunkWriter,
  fromChatCompletion,
  fromChatCompletionBody,
  fromChatCompletionChunk,
  fromResponsesBody,
  PASSTHROUGH_FIELDS,
  SCOPED_FIELDS,
  toChatCompletion,
  toChatCompletionBody,
} from '../src/index.js';

const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

const toolTurn = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'developer', content: 'Use tools.' },
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"c":"P"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"t":21}' },
    { role: 'user', content: 'And tomorrow?' },
  ],
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
  tool_choice: 'auto',
  temperature: 0,
  top_p: 1,
  max_completion_tokens: 50,
  seed: 3,
  stop: ['\n\n'],
  response_format: { type: 'text' },
  max_tokens: 60,
  frequency_penalty: 0.1,
  presence_penalty: 0.2,
  logit_bias: { '50256': -100 },
  reasoning_effort: 'low',
  verbosity: 'low',
  parallel_tool_calls: false,
  user: 'u1',
  metadata: { a: 'b' },
  store: false,
  service_tier: 'default',
  n: 1,
};

describe('request wire format', () => {
  it('keeps every field of a cacheable request: sent back, it is the same body', () => {
    const mapped = fromChatCompletionBody(toolTurn);
    if (!('request' in mapped)) throw new Error(mapped.bypass);
    expect(mapped.request.extra).toMatchObject({ max_tokens: 60, presence_penalty: 0.2, n: 1 });
    expect(mapped.request.passthrough).toEqual({
      user: 'u1',
      metadata: { a: 'b' },
      store: false,
      service_tier: 'default',
    });
    expect(mapped.request.messages[2]?.toolCalls).toEqual([
      { id: 'call_1', name: 'weather', arguments: '{"c":"P"}' },
    ]);
    expect(mapped.request.messages[3]?.toolCallId).toBe('call_1');
    const sent = toChatCompletionBody(mapped.request);
    const sorted = (o: object) => JSON.stringify(o, Object.keys(o).sort());
    expect(Object.keys(sent).sort()).toEqual(Object.keys(toolTurn).sort());
    expect(sorted(sent)).toBe(sorted(toolTurn));
    expect(sent).toEqual(toolTurn);
  });

  it('puts each known field in exactly one class', () => {
    const all = [...SCOPED_FIELDS, ...PASSTHROUGH_FIELDS, ...Object.keys(BYPASS_FIELDS)];
    expect(new Set(all).size).toBe(all.length);
    for (const key of SCOPED_FIELDS) {
      const value = key === 'parallel_tool_calls' ? true : 1;
      const m = fromChatCompletionBody({ ...base, [key]: value });
      expect('request' in m && m.request.extra).toEqual({ [key]: value });
    }
    expect(fromChatCompletionBody({ ...base, parallel_tool_calls: 'yes' })).toEqual({
      bypass: 'parallel_tool_calls must be a boolean',
    });
    for (const key of PASSTHROUGH_FIELDS) {
      const m = fromChatCompletionBody({ ...base, [key]: 'x' });
      expect('request' in m && m.request.passthrough).toEqual({ [key]: 'x' });
    }
    for (const key of Object.keys(BYPASS_FIELDS)) {
      expect(fromChatCompletionBody({ ...base, [key]: true })).toMatchObject({
        bypass: expect.stringContaining(key),
      });
    }
  });

  it.each([
    ['an unknown field', { ...base, brand_new_knob: 1 }, /brand_new_knob: unknown field/],
    ['n: 2', { ...base, n: 2 }, /several choices/],
    [
      'a tool result last',
      {
        ...base,
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c', content: 'r' },
        ],
      },
      /last message is a tool message/,
    ],
    ['logprobs', { ...base, logprobs: true, top_logprobs: 2 }, /logprobs/],
    [
      'image parts',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
        ],
      },
      /content other than a string/,
    ],
    [
      'text parts',
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }] }] },
      /content other than a string/,
    ],
    [
      'stream options it does not know',
      { ...base, stream: true, stream_options: { include_obfuscation: false } },
      /stream_options/,
    ],
    [
      'a custom tool call',
      {
        ...base,
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'x', input: 'y' } }],
          },
          { role: 'user', content: 'q' },
        ],
      },
      /function tool calls/,
    ],
  ])('bypasses %s', (_name, body, reason) => {
    const mapped = fromChatCompletionBody(body);
    expect('bypass' in mapped && mapped.bypass).toMatch(reason);
  });

  it('refuses to send through ChatRequest what its answer cannot carry', () => {
    expect(() =>
      toChatCompletionBody({
        model: 'm',
        messages: [{ role: 'user', content: 'q' }],
        extra: { n: 3 },
      }),
    ).toThrow(/cannot carry/);
  });
});

const completion = {
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"c":"R"}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 20,
    completion_tokens: 9,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_123',
};

describe('answer wire format', () => {
  it('replays a stored tool-call completion as the same object', () => {
    const read = fromChatCompletion(completion);
    expect(read.unstorable).toBeUndefined();
    expect(read.response.toolCalls).toEqual([
      { id: 'call_9', name: 'weather', arguments: '{"c":"R"}' },
    ]);
    const replayed = toChatCompletion(structuredClone(read.response), {
      id: completion.id,
      created: completion.created,
    });
    expect(JSON.stringify(replayed)).toBe(JSON.stringify(completion));
    const hit = toChatCompletion(read.response, { zeroUsage: true });
    expect(hit.usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    });
  });

  it('does not store several choices, log probabilities or a content filter stop', () => {
    const two = { ...completion, choices: [completion.choices[0], completion.choices[0]] };
    expect(fromChatCompletion(two).unstorable).toBe('2 choices');
    const lp = {
      ...completion,
      choices: [{ ...completion.choices[0], logprobs: { content: [] } }],
    };
    expect(fromChatCompletion(lp).unstorable).toBe('log probabilities');
    const filtered = {
      ...completion,
      choices: [{ ...completion.choices[0], finish_reason: 'content_filter' }],
    };
    expect(fromChatCompletion(filtered).unstorable).toMatch(/content_filter/);
  });

  it('streams tool calls as deltas that read back to the answer, usage null until the last chunk', () => {
    const { response } = fromChatCompletion(completion);
    const writer = new ChunkWriter(response.model, true, { zeroUsage: false });
    const wire = [
      ...writer.write({ delta: '', model: response.model, extra: response.extra }),
      ...writer.write({
        delta: '',
        toolCalls: [{ index: 0, id: 'call_9', name: 'weather', arguments: '{"c"' }],
      }),
      ...writer.write({ delta: '', toolCalls: [{ index: 0, arguments: ':"R"}' }] }),
      ...writer.write({ delta: '', finishReason: 'tool_calls', usage: response.usage }),
      ...writer.end(),
    ];
    expect(wire.every((c) => c.system_fingerprint === 'fp_123' && c.id === writer.id)).toBe(true);
    expect(wire.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(wire.at(-1)).toMatchObject({ choices: [], usage: completion.usage });
    expect(wire.at(-2)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'tool_calls' }] });
    const assembler = new ChunkAssembler();
    for (const chunk of wire) {
      const piece = fromChatCompletionChunk(chunk);
      if (piece) assembler.add(piece);
    }
    expect(assembler.response('x')).toEqual(response);
  });
});

describe('Responses wire format', () => {
  it('maps text input to the same request as the chat conversation', () => {
    const responses = fromResponsesBody({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      temperature: 0,
      max_output_tokens: 20,
      store: false,
    });
    const chat = fromChatCompletionBody({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0,
      max_completion_tokens: 20,
      store: false,
    });
    expect(responses).toEqual(chat);
  });

  it.each([
    ['tools', { tools: [{ type: 'function', name: 'f' }] }, /tools/],
    ['previous_response_id', { previous_response_id: 'resp_1' }, /previous_response_id/],
    [
      'an image',
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] },
      /content other than text/,
    ],
    [
      'a JSON schema format',
      { text: { format: { type: 'json_schema', name: 'x', schema: {} } } },
      /text/,
    ],
  ])('bypasses %s', (_name, extra, reason) => {
    const mapped = fromResponsesBody({ model: 'gpt-4o-mini', input: 'Hi', ...extra });
    expect('bypass' in mapped && mapped.bypass).toMatch(reason);
  });
});
