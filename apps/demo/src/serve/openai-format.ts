import { randomBytes } from 'node:crypto';
import type { ChatResponse, TokenUsage } from '@cache/core';

/** A new completion id in OpenAI's style (`chatcmpl-...`). */
export function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString('base64url')}`;
}

function usageOf(usage: TokenUsage | undefined) {
  return usage === undefined
    ? undefined
    : {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.totalTokens,
      };
}

/** A non-streamed `chat.completion` object as the OpenAI API returns it. */
export function completionObject(id: string, model: string, response: ChatResponse) {
  return {
    id,
    object: 'chat.completion' as const,
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: response.content, refusal: null },
        logprobs: null,
        finish_reason: response.finishReason,
      },
    ],
    usage: usageOf(response.usage) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** One `chat.completion.chunk` of a stream. */
export function chunkObject(
  id: string,
  model: string,
  delta: { role?: 'assistant'; content?: string },
  finishReason: string | null,
) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The trailing usage-only chunk sent when the client asked for `stream_options.include_usage`. */
export function usageChunk(id: string, model: string, usage: TokenUsage | undefined) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [],
    usage: usageOf(usage) ?? null,
  };
}

/** An error body in OpenAI's shape. */
export function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}
