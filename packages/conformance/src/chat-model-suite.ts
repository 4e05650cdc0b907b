import {
  CacheError,
  type ChatChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResponse,
  ChunkAssembler,
} from '@cache/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ChatModelSuiteOptions } from './options.js';
import { DEFAULT_TIMEOUT_MS, suiteFrame } from './suite-frame.js';

/**
 * Declares the chat-model conformance suite: the completion shape (content, model,
 * finishReason, usage when present), streaming when `stream` exists (chunks join to the
 * content; only the last carries finishReason), typed `CacheError` rejections for an invalid
 * request and from `failingFactory`'s model, rejection on an aborted signal, and with `tools`
 * tool calls (plain, streamed, and the turn that takes the tool's result).
 */
export function chatModelSuite(
  name: string,
  factory: () => ChatModel | Promise<ChatModel>,
  options: ChatModelSuiteOptions = {},
): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const request: ChatRequest = {
    model: options.model ?? 'conformance-model',
    messages: [{ role: 'user', content: options.prompt ?? 'Say hello in one word.' }],
    temperature: 0,
    maxTokens: 32,
  };

  suiteFrame(`chat model conformance: ${name}`, options, () => {
    let model: ChatModel;

    beforeEach(async () => {
      model = await factory();
    }, timeout);

    afterEach(async () => {
      await (model as { close?: () => Promise<void> } | undefined)?.close?.();
    }, timeout);

    it('has a non-empty id', () => {
      expect(typeof model.id).toBe('string');
      expect(model.id.length).toBeGreaterThan(0);
    });

    it(
      'completes with content, model, finishReason and consistent usage',
      async () => {
        expectResponseShape(await model.complete(request));
      },
      timeout,
    );

    it(
      'answers with the same text when deterministic',
      async (context) => {
        if (!options.deterministic) {
          await context.annotate(
            `${name} is not declared deterministic; only the shape is checked`,
          );
          expectResponseShape(await model.complete(request));
          return;
        }
        const a = await model.complete(request);
        const b = await model.complete(request);
        expect(b.content).toBe(a.content);
      },
      timeout * 2,
    );

    it(
      'streams chunks that join to an answer, ending with finishReason (when stream exists)',
      async (context) => {
        if (model.stream === undefined) {
          await context.annotate(`${name} has no stream(); nothing to check`);
          return;
        }
        const chunks: ChatChunk[] = [];
        for await (const chunk of model.stream(request)) chunks.push(chunk);
        expect(chunks.length).toBeGreaterThan(0);
        for (const chunk of chunks) expect(typeof chunk.delta).toBe('string');
        const last = chunks[chunks.length - 1] as ChatChunk;
        expect(typeof last.finishReason).toBe('string');
        expect(last.finishReason?.length).toBeGreaterThan(0);
        for (const chunk of chunks.slice(0, -1)) expect(chunk.finishReason).toBeUndefined();
        if (last.usage !== undefined) expectUsage(last.usage);
        const text = chunks.map((c) => c.delta).join('');
        expect(text.length).toBeGreaterThan(0);
        if (options.deterministic) expect(text).toBe((await model.complete(request)).content);
      },
      timeout * 2,
    );

    const toolSupport = options.tools;
    const toolRequest: ChatRequest = {
      model: request.model,
      messages: [
        { role: 'user', content: 'What is the weather in Paris? Use the get_weather tool.' },
      ],
      temperature: 0,
      tools: [WEATHER_TOOL],
      ...(typeof toolSupport === 'object' && toolSupport.toolChoice !== undefined
        ? { toolChoice: toolSupport.toolChoice }
        : {}),
    };

    it(
      'answers a question that needs a tool with a tool call (with tools)',
      async (context) => {
        if (!toolSupport) {
          await context.annotate(`${name} does not declare tool support`);
          return;
        }
        expectToolCall(await model.complete(toolRequest));
      },
      timeout,
    );

    it(
      'streams a tool call as pieces that assemble to it (with tools and stream)',
      async (context) => {
        if (!toolSupport || model.stream === undefined) {
          await context.annotate(`${name}: no tool support or no stream(); nothing to check`);
          return;
        }
        const assembler = new ChunkAssembler();
        let last: ChatChunk | undefined;
        for await (const chunk of model.stream(toolRequest)) {
          assembler.add(chunk);
          last = chunk;
        }
        expect(last?.finishReason).toBeDefined();
        expectToolCall(assembler.response(request.model));
      },
      timeout * 2,
    );

    it(
      "answers with text once given the tool's result (with tools)",
      async (context) => {
        if (!toolSupport) {
          await context.annotate(`${name} does not declare tool support`);
          return;
        }
        const call = (await model.complete(toolRequest)).toolCalls?.[0];
        expect(call).toBeDefined();
        if (call === undefined) return;
        const answer = await model.complete({
          ...toolRequest,
          toolChoice: undefined,
          messages: [
            ...toolRequest.messages,
            { role: 'assistant', content: '', toolCalls: [call] },
            { role: 'tool', content: '{"temperature_c":21,"sky":"clear"}', toolCallId: call.id },
          ],
        });
        expect(answer.content.length).toBeGreaterThan(0);
        expect(answer.toolCalls ?? []).toEqual([]);
      },
      timeout * 2,
    );

    it(
      'rejects a request without messages with a CacheError',
      async () => {
        await expect(model.complete({ ...request, messages: [] })).rejects.toBeInstanceOf(
          CacheError,
        );
      },
      timeout,
    );

    it(
      'rejects a call whose signal is already aborted',
      async (context) => {
        if (options.abortable === false) {
          await context.annotate(`${name} is declared not abortable`);
          return;
        }
        const controller = new AbortController();
        controller.abort(new Error('conformance abort'));
        await expect(model.complete(request, { signal: controller.signal })).rejects.toBeDefined();
      },
      timeout,
    );

    it(
      'reports failures as CacheError subclasses (with failingFactory)',
      async (context) => {
        if (options.failingFactory === undefined) {
          await context.annotate(`${name}: no failingFactory given; failure typing not checked`);
          return;
        }
        const failing = await options.failingFactory();
        try {
          const error = await failing.complete(request).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(CacheError);
          expect(typeof (error as CacheError).retryable).toBe('boolean');
          if (failing.stream !== undefined) {
            const streamError = await (async () => {
              const stream = failing.stream?.(request);
              if (stream) for await (const _ of stream) void _;
            })().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(streamError).toBeInstanceOf(CacheError);
          }
        } finally {
          await (failing as { close?: () => Promise<void> }).close?.();
        }
      },
      timeout * 2,
    );
  });
}

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather of a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'The city, e.g. Paris' } },
      required: ['city'],
    },
  },
};

function expectToolCall(response: ChatResponse): void {
  const calls = response.toolCalls ?? [];
  expect(calls.length).toBeGreaterThan(0);
  const call = calls[0];
  expect(call?.name).toBe('get_weather');
  expect(typeof call?.id).toBe('string');
  expect(call?.id.length).toBeGreaterThan(0);
  const args: unknown = JSON.parse(call?.arguments ?? '');
  expect(args !== null && typeof args === 'object' && !Array.isArray(args)).toBe(true);
  expect(response.finishReason).toBe('tool_calls');
}

function expectResponseShape(response: ChatResponse): void {
  expect(typeof response.content).toBe('string');
  expect(response.content.length).toBeGreaterThan(0);
  expect(typeof response.model).toBe('string');
  expect(response.model.length).toBeGreaterThan(0);
  expect(typeof response.finishReason).toBe('string');
  expect(response.finishReason.length).toBeGreaterThan(0);
  if (response.usage !== undefined) expectUsage(response.usage);
}

function expectUsage(usage: NonNullable<ChatResponse['usage']>): void {
  for (const n of [usage.promptTokens, usage.completionTokens, usage.totalTokens]) {
    expect(Number.isInteger(n)).toBe(true);
    expect(n).toBeGreaterThanOrEqual(0);
  }
  expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
}
