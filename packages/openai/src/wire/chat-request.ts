/**
 * OpenAI chat-completions request bodies ↔ the cache's `ChatRequest`, with one rule per field:
 * a field is either part of the scope and sent on (neutral fields, `extra`), known not to
 * change the answer and sent on (`passthrough`), or it makes the request bypass the cache, and
 * the request then goes upstream untouched. Nothing is dropped. The table is in the README.
 */
import {
  type ChatMessage,
  type ChatRequest,
  InvalidRequestError,
  type ToolCall,
} from '@cache/core';

/** A request the cache can serve, or why it must go to the API untouched. */
export type Mapped = { request: ChatRequest } | { bypass: string };

/** Fields that may change the answer and have no neutral `ChatRequest` field: scoped, sent as they are. */
export const SCOPED_FIELDS: readonly string[] = [
  'max_tokens',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'reasoning_effort',
  'verbosity',
  'parallel_tool_calls',
  'prediction',
];

/** Fields known not to change the answer: not scoped, sent upstream on a miss. */
export const PASSTHROUGH_FIELDS: readonly string[] = [
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
];

/** Fields that make the request bypass the cache, and why. Any field not listed anywhere does too. */
export const BYPASS_FIELDS: Readonly<Record<string, string>> = {
  logprobs: 'log probabilities are not replayed',
  top_logprobs: 'log probabilities are not replayed',
  audio: 'audio answers are not cached',
  modalities: 'audio answers are not cached',
  functions: 'legacy function calling is not cached',
  function_call: 'legacy function calling is not cached',
  web_search_options: 'web search answers depend on the day',
  moderation: 'moderated requests are not cached',
};

/** Fields with a neutral `ChatRequest` field, or about the transport. */
const NEUTRAL = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'max_completion_tokens',
  'stop',
  'seed',
  'tools',
  'tool_choice',
  'response_format',
  'stream',
  'stream_options',
  'n',
]);

/** Checks of scoped values; a value that fails bypasses (the upstream's answer to it is the right one). */
const VALUE_CHECKS: Record<string, [(v: unknown) => boolean, string]> = {
  max_tokens: [(v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer'],
  frequency_penalty: [(v) => typeof v === 'number' && v >= -2 && v <= 2, 'a number from -2 to 2'],
  presence_penalty: [(v) => typeof v === 'number' && v >= -2 && v <= 2, 'a number from -2 to 2'],
  parallel_tool_calls: [(v) => typeof v === 'boolean', 'a boolean'],
  stream: [(v) => typeof v === 'boolean', 'a boolean'],
};

const MESSAGE_FIELDS: Record<string, readonly string[]> = {
  system: ['role', 'content', 'name'],
  developer: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  assistant: ['role', 'content', 'name', 'tool_calls'],
  tool: ['role', 'content', 'tool_call_id'],
};

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Maps a chat-completions request body (as sent on the wire, or as the SDK's `create`
 * parameters) to a `ChatRequest`, or says why it bypasses the cache. A body that is not even
 * a request (no model, no messages) bypasses too: the API's answer to it is the right one.
 */
export function fromChatCompletionBody(body: unknown): Mapped {
  if (!isObject(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    return { bypass: `body: expected object (a chat-completions request), got ${got}` };
  }
  const extra: Body = {};
  const passthrough: Body = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    const check = VALUE_CHECKS[key];
    if (check !== undefined && !check[0](value)) return { bypass: `${key} must be ${check[1]}` };
    if (NEUTRAL.has(key)) continue;
    if (SCOPED_FIELDS.includes(key)) extra[key] = value;
    else if (PASSTHROUGH_FIELDS.includes(key)) passthrough[key] = value;
    else if (key === 'logprobs' && value === false) extra[key] = value;
    else if (key === 'modalities' && isTextOnly(value)) extra[key] = value;
    else
      return {
        bypass: `${key}: ${BYPASS_FIELDS[key] ?? 'unknown field, it may change the answer'}`,
      };
  }
  if (body.n !== undefined && body.n !== null) {
    if (body.n !== 1) return { bypass: 'n: several choices are not cached' };
    extra.n = 1;
  }
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!isObject(streamOptions) || Object.keys(streamOptions).some((k) => k !== 'include_usage')) {
      return { bypass: 'stream_options: only include_usage is understood' };
    }
  }
  if (typeof body.model !== 'string' || body.model === '') return { bypass: 'no model' };
  if (!Array.isArray(body.messages) || body.messages.length === 0) return { bypass: 'no messages' };
  const messages: ChatMessage[] = [];
  for (const [i, m] of body.messages.entries()) {
    const mapped = toChatMessage(m);
    if (typeof mapped === 'string') return { bypass: `messages[${i}]: ${mapped}` };
    messages.push(mapped);
  }
  const lastRole = messages.at(-1)?.role;
  if (lastRole !== 'user') {
    return { bypass: `the last message is a ${lastRole} message, not a user prompt: never cached` };
  }
  const request: ChatRequest = { model: body.model, messages };
  const numeric = (v: unknown) => (v === null ? undefined : v);
  const set = <K extends keyof ChatRequest>(field: K, value: unknown) => {
    if (value !== undefined && value !== null) request[field] = value as ChatRequest[K];
  };
  set('temperature', numeric(body.temperature));
  set('topP', numeric(body.top_p));
  set('maxTokens', numeric(body.max_completion_tokens));
  if (typeof body.stop === 'string') request.stop = [body.stop];
  else set('stop', body.stop);
  set('seed', numeric(body.seed));
  set('tools', body.tools);
  set('toolChoice', body.tool_choice);
  set('responseFormat', body.response_format);
  if (Object.keys(extra).length > 0) request.extra = extra;
  if (Object.keys(passthrough).length > 0) request.passthrough = passthrough;
  return { request };
}

function isTextOnly(value: unknown): boolean {
  return Array.isArray(value) && value.length === 1 && value[0] === 'text';
}

function toChatMessage(m: unknown): ChatMessage | string {
  if (!isObject(m)) return 'not an object';
  const role = m.role;
  const fields = typeof role === 'string' ? MESSAGE_FIELDS[role] : undefined;
  if (fields === undefined) return `role ${JSON.stringify(role)} is not cached`;
  for (const [key, value] of Object.entries(m)) {
    if (value === undefined || fields.includes(key)) continue;
    if (role === 'assistant' && (key === 'refusal' || key === 'audio') && value === null) continue;
    return `message field ${key} is not cached`;
  }
  if (typeof m.content !== 'string') {
    const toolCallsOnly = role === 'assistant' && m.content == null && Array.isArray(m.tool_calls);
    if (!toolCallsOnly) return 'content other than a string (parts, images, audio) is not cached';
  }
  const message: ChatMessage = {
    role: role as ChatMessage['role'],
    content: typeof m.content === 'string' ? m.content : '',
  };
  if (m.name !== undefined) {
    if (typeof m.name !== 'string') return 'name is not a string';
    message.name = m.name;
  }
  if (m.tool_calls !== undefined) {
    const calls = toToolCalls(m.tool_calls);
    if (typeof calls === 'string') return calls;
    if (calls.length > 0) message.toolCalls = calls;
  }
  if (role === 'tool') {
    if (typeof m.tool_call_id !== 'string') return 'a tool message needs a string tool_call_id';
    message.toolCallId = m.tool_call_id;
  }
  return message;
}

function toToolCalls(value: unknown): ToolCall[] | string {
  if (!Array.isArray(value)) return 'tool_calls is not an array';
  const calls: ToolCall[] = [];
  for (const call of value) {
    const fn = isObject(call) ? call.function : undefined;
    if (
      !isObject(call) ||
      call.type !== 'function' ||
      typeof call.id !== 'string' ||
      !isObject(fn) ||
      typeof fn.name !== 'string' ||
      typeof fn.arguments !== 'string' ||
      Object.keys(call).some((k) => !['id', 'type', 'function'].includes(k)) ||
      Object.keys(fn).some((k) => k !== 'name' && k !== 'arguments')
    ) {
      return 'only function tool calls { id, type, function: { name, arguments } } are cached';
    }
    calls.push({ id: call.id, name: fn.name, arguments: fn.arguments });
  }
  return calls;
}

/**
 * The chat-completions parameters that send `request` to the API (the reverse of
 * `fromChatCompletionBody`: `extra` and `passthrough` fields go as they are). `maxTokensField`
 * names the field that carries `maxTokens`. Throws `InvalidRequestError` for an `extra` field
 * whose answer a `ChatResponse` cannot carry (`n` above 1, `logprobs`).
 */
export function toChatCompletionBody(
  request: ChatRequest,
  maxTokensField: 'max_completion_tokens' | 'max_tokens' = 'max_completion_tokens',
): Body {
  for (const key of Object.keys(request.extra ?? {})) {
    const value = request.extra?.[key];
    if (
      (key === 'n' && value !== 1) ||
      (key in BYPASS_FIELDS && value !== false && !isTextOnly(value))
    ) {
      throw new InvalidRequestError(
        `request.extra.${key} asks for an answer a ChatResponse cannot carry; call the API directly for it.`,
      );
    }
  }
  const body: Body = {
    ...request.passthrough,
    model: request.model,
    messages: request.messages.map(toWireMessage),
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body[maxTokensField] = request.maxTokens;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.tools !== undefined) body.tools = request.tools;
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  if (request.responseFormat !== undefined) body.response_format = request.responseFormat;
  return { ...body, ...request.extra };
}

function toWireMessage(m: ChatMessage): Body {
  const calls = m.toolCalls ?? [];
  const out: Body = {
    role: m.role,
    content: calls.length > 0 && m.content === '' ? null : m.content,
  };
  if (m.name !== undefined) out.name = m.name;
  if (calls.length > 0) {
    out.tool_calls = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  if (m.role === 'tool') {
    if (m.toolCallId === undefined) {
      throw new InvalidRequestError(
        'a tool message needs toolCallId (the id of the call it answers) to be sent to the API.',
      );
    }
    out.tool_call_id = m.toolCallId;
  }
  return out;
}
