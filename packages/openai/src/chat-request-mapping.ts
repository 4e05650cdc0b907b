import type { ChatMessage, ChatRequest, ChatResponse } from '@cache/core';
import type {
  ChatCompletion,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';

/** A request the cache can serve, or why it must go to the API untouched. */
export type Mapped = { request: ChatRequest } | { bypass: string };

/** Parameters that do not change the answer, or that `ChatRequest` carries. */
const HANDLED = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'response_format',
  'stream',
  'stream_options',
  'n',
  'user',
  'metadata',
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'service_tier',
]);

/**
 * Maps SDK parameters to a `ChatRequest`. Anything the cache cannot key on or replay faithfully
 * bypasses it: tools and function calls (the answer may be a call, not text), several choices,
 * log probabilities, audio, non-text content, and every other parameter that changes the
 * answer (penalties, logit bias, reasoning effort...) since `ChatRequest` has no field for it.
 */
export function toChatRequest(params: ChatCompletionCreateParams): Mapped {
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (!HANDLED.has(key)) return { bypass: `parameter ${key} is not part of the cache key` };
  }
  if (params.n != null && params.n !== 1) return { bypass: 'n > 1' };
  const messages: ChatMessage[] = [];
  for (const m of params.messages) {
    const mapped = toChatMessage(m);
    if (typeof mapped === 'string') return { bypass: mapped };
    messages.push(mapped);
  }
  if (messages.at(-1)?.role !== 'user') return { bypass: 'the last message is not a user message' };
  const maxTokens = params.max_completion_tokens ?? params.max_tokens;
  const request: ChatRequest = {
    model: params.model,
    messages,
    ...(params.temperature == null ? {} : { temperature: params.temperature }),
    ...(params.top_p == null ? {} : { topP: params.top_p }),
    ...(maxTokens == null ? {} : { maxTokens }),
    ...(params.stop == null
      ? {}
      : { stop: typeof params.stop === 'string' ? [params.stop] : params.stop }),
    ...(params.seed == null ? {} : { seed: params.seed }),
    ...(params.response_format == null ? {} : { responseFormat: params.response_format }),
  };
  return { request };
}

function toChatMessage(m: ChatCompletionMessageParam): ChatMessage | string {
  if (m.role === 'tool' || m.role === 'function') return `${m.role} messages`;
  if (m.role === 'assistant' && (m.tool_calls?.length || m.function_call || m.audio)) {
    return 'an assistant message with tool calls or audio';
  }
  const content = textOf(m.content);
  if (content === undefined) return 'non-text message content';
  const role = m.role === 'developer' ? 'system' : m.role;
  const name = 'name' in m && typeof m.name === 'string' ? m.name : undefined;
  return name === undefined ? { role, content } : { role, content, name };
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type !== 'text' || typeof part.text !== 'string') return undefined;
    parts.push(part.text);
  }
  return parts.join('\n');
}

/**
 * The `ChatResponse` to store for a completion, or undefined when it must not be cached (tool
 * calls, a refusal, no text, or a finish other than `stop`/`length`).
 */
export function toChatResponse(completion: ChatCompletion): ChatResponse | undefined {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  if (!choice || !message || typeof message.content !== 'string' || message.content === '') {
    return undefined;
  }
  if (message.tool_calls?.length || message.refusal) return undefined;
  if (choice.finish_reason !== 'stop' && choice.finish_reason !== 'length') return undefined;
  return {
    content: message.content,
    model: completion.model,
    finishReason: choice.finish_reason,
    ...(completion.usage
      ? {
          usage: {
            promptTokens: completion.usage.prompt_tokens,
            completionTokens: completion.usage.completion_tokens,
            totalTokens: completion.usage.total_tokens,
          },
        }
      : {}),
  };
}
