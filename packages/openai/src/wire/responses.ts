/**
 * OpenAI Responses API (`POST /v1/responses`) bodies ↔ the cache's `ChatRequest` /
 * `ChatResponse`: text input is cached like a chat request (the same conversation gets the same
 * key as through chat completions); anything else bypasses and goes upstream untouched.
 */
import { randomBytes } from 'node:crypto';
import type { ChatMessage, ChatRequest, ChatResponse, TokenUsage } from '@cache/core';
import type { Mapped } from './chat-request.js';

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Responses fields known not to change the answer: not scoped, sent upstream on a miss. */
const RESPONSES_PASSTHROUGH = [
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
];

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/**
 * Maps a Responses request body to a `ChatRequest`: `input` as a string or as messages whose
 * content is a string or one `input_text` / `output_text` part, `instructions` (a system
 * message first), `temperature`, `top_p`, `max_output_tokens`, a text format. Anything else
 * (tools, `previous_response_id`, reasoning, images, structured formats, unknown fields) bypasses.
 */
export function fromResponsesBody(body: unknown): Mapped {
  if (!isObject(body)) return { bypass: 'body: expected object (a Responses request)' };
  const passthrough: Body = {};
  const extra: Body = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    if (
      [
        'model',
        'input',
        'instructions',
        'temperature',
        'top_p',
        'max_output_tokens',
        'stream',
      ].includes(key)
    )
      continue;
    if (RESPONSES_PASSTHROUGH.includes(key)) passthrough[key] = value;
    else if (key === 'truncation' && value === 'disabled') extra[key] = value;
    else if (key === 'text' && isTextFormat(value)) {
      const verbosity = (value as Body).verbosity;
      if (verbosity != null) extra.verbosity = verbosity;
    } else return { bypass: `${key}: not cached on /v1/responses (only text input is)` };
  }
  if (body.stream != null && typeof body.stream !== 'boolean')
    return { bypass: 'stream must be a boolean' };
  if (typeof body.model !== 'string' || body.model === '') return { bypass: 'no model' };
  const messages: ChatMessage[] = [];
  if (body.instructions != null) {
    if (typeof body.instructions !== 'string') return { bypass: 'instructions is not a string' };
    messages.push({ role: 'system', content: body.instructions });
  }
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else if (Array.isArray(body.input)) {
    for (const [i, item] of body.input.entries()) {
      const message = toMessage(item);
      if (typeof message === 'string') return { bypass: `input[${i}]: ${message}` };
      messages.push(message);
    }
  } else return { bypass: 'input is neither text nor a list of messages' };
  if (messages.at(-1)?.role !== 'user') return { bypass: 'the last input is not a user message' };
  const request: ChatRequest = { model: body.model, messages };
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.topP = body.top_p;
  if (typeof body.max_output_tokens === 'number') request.maxTokens = body.max_output_tokens;
  if (Object.keys(extra).length > 0) request.extra = extra;
  if (Object.keys(passthrough).length > 0) request.passthrough = passthrough;
  return { request };
}

function isTextFormat(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value).filter((k) => value[k] != null);
  if (keys.some((k) => k !== 'format' && k !== 'verbosity')) return false;
  const format = value.format;
  return (
    format == null ||
    (isObject(format) && format.type === 'text' && Object.keys(format).length === 1)
  );
}

function toMessage(item: unknown): ChatMessage | string {
  if (!isObject(item)) return 'not an object';
  for (const key of Object.keys(item)) {
    if (!['type', 'role', 'content'].includes(key) && item[key] != null)
      return `field ${key} is not cached`;
  }
  if (item.type != null && item.type !== 'message')
    return `items of type ${String(item.type)} are not cached`;
  if (typeof item.role !== 'string' || !ROLES.has(item.role))
    return `role ${String(item.role)} is not cached`;
  let text: string | undefined;
  if (typeof item.content === 'string') text = item.content;
  else if (Array.isArray(item.content) && item.content.length === 1) {
    const part = item.content[0];
    const textType = item.role === 'assistant' ? 'output_text' : 'input_text';
    if (
      isObject(part) &&
      part.type === textType &&
      typeof part.text === 'string' &&
      Object.keys(part).every(
        (k) =>
          k === 'type' ||
          k === 'text' ||
          (k === 'annotations' && Array.isArray(part[k]) && part[k].length === 0),
      )
    ) {
      text = part.text;
    }
  }
  if (text === undefined)
    return 'content other than text (several parts, images, files) is not cached';
  return { role: item.role as ChatMessage['role'], content: text };
}

/** A new id in OpenAI's style with `prefix` (`resp`, `msg`). */
export function responsesId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

/** Usage in the Responses API's shape; zero tokens for an answer that cost nothing. */
export function toResponsesUsage(usage: TokenUsage | undefined, zero: boolean): Body {
  const n = (v: number | undefined) => (zero ? 0 : (v ?? 0));
  const details = (usage?.details ?? {}) as Record<string, Record<string, number> | undefined>;
  return {
    input_tokens: n(usage?.promptTokens),
    input_tokens_details: {
      cached_tokens: zero ? 0 : (details.prompt_tokens_details?.cached_tokens ?? 0),
    },
    output_tokens: n(usage?.completionTokens),
    output_tokens_details: {
      reasoning_tokens: zero ? 0 : (details.completion_tokens_details?.reasoning_tokens ?? 0),
    },
    total_tokens: n(usage?.totalTokens),
  };
}

/** What a Responses object echoes of its request. */
export interface ResponsesEcho {
  /** Response id (`resp_...`). */
  id: string;
  /** Output message id (`msg_...`). */
  messageId: string;
  /** Creation time, epoch seconds. */
  createdAt: number;
  /** The request body, whose settings the object repeats. */
  body: Body;
  /** Report zero tokens (a hit, a shared call). */
  zeroUsage: boolean;
}

/** The output message item of `response` (`status` `completed`, or `in_progress` while streaming). */
export function responsesMessage(
  response: ChatResponse | undefined,
  echo: ResponsesEcho,
  done: boolean,
): Body {
  const content =
    response === undefined
      ? []
      : response.refusal !== undefined
        ? [{ type: 'refusal', refusal: response.refusal }]
        : [{ type: 'output_text', text: response.content, annotations: [], logprobs: [] }];
  return {
    type: 'message',
    id: echo.messageId,
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content,
  };
}

/** `response` as a Responses API `response` object (`in_progress` without an answer yet). */
export function toResponsesObject(response: ChatResponse | undefined, echo: ResponsesEcho): Body {
  const b = echo.body;
  const incomplete = response?.finishReason === 'length';
  return {
    id: echo.id,
    object: 'response',
    created_at: echo.createdAt,
    status: response === undefined ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: b.instructions ?? null,
    max_output_tokens: b.max_output_tokens ?? null,
    model: response?.model ?? b.model,
    output: response === undefined ? [] : [responsesMessage(response, echo, true)],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: b.store ?? true,
    temperature: b.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: b.top_p ?? 1,
    truncation: 'disabled',
    usage: response === undefined ? null : toResponsesUsage(response.usage, echo.zeroUsage),
    user: b.user ?? null,
    metadata: b.metadata ?? {},
    ...(typeof response?.extra?.service_tier === 'string'
      ? { service_tier: response.extra.service_tier }
      : {}),
  };
}
