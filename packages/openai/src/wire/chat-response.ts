/**
 * OpenAI `chat.completion` and `chat.completion.chunk` objects ↔ the cache's `ChatResponse`
 * and `ChatChunk`: what an answer keeps (text, tool calls, refusal, usage with its details,
 * `system_fingerprint`, `service_tier`) and how a cached one is replayed in the documented
 * shapes, streamed or not.
 */
import { randomBytes } from 'node:crypto';
import type { ChatChunk, ChatResponse, TokenUsage, ToolCallDelta } from '@cache/core';

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Top-level completion fields the neutral `ChatResponse` fields stand for. */
const COMPLETION_FIELDS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const USAGE_FIELDS = new Set(['prompt_tokens', 'completion_tokens', 'total_tokens']);
const MESSAGE_FIELDS = new Set(['role', 'content', 'refusal', 'tool_calls', 'annotations']);
const STORABLE_FINISH = new Set(['stop', 'length', 'tool_calls']);

/** An answer read from the API, and whether the cache may store and replay it faithfully. */
export interface ReadAnswer {
  /** The answer in the cache's form (its first choice). */
  response: ChatResponse;
  /** Why it must not be stored (several choices, log probabilities, audio...); absent when it may. */
  unstorable?: string;
}

/** A new completion id in OpenAI's style (`chatcmpl-...`). */
export function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString('base64url')}`;
}

/** `usage` of the API in the cache's form; unknown members are kept in `details`. */
export function fromWireUsage(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);
  const out: TokenUsage = {
    promptTokens: n(usage.prompt_tokens),
    completionTokens: n(usage.completion_tokens),
    totalTokens: n(usage.total_tokens),
  };
  const details = Object.fromEntries(Object.entries(usage).filter(([k]) => !USAGE_FIELDS.has(k)));
  if (Object.keys(details).length > 0) out.details = details;
  return out;
}

/**
 * The usage object to send: the original counts, or, for an answer that cost nothing (a cache
 * hit, a follower of a shared call), zero tokens with every count of the details zeroed too.
 */
export function toWireUsage(usage: TokenUsage | undefined, zero: boolean): Body {
  const zeroed = (v: unknown): unknown =>
    typeof v === 'number'
      ? 0
      : isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, zeroed(x)]))
        : v;
  const details = usage?.details ?? {};
  return {
    prompt_tokens: zero ? 0 : (usage?.promptTokens ?? 0),
    completion_tokens: zero ? 0 : (usage?.completionTokens ?? 0),
    total_tokens: zero ? 0 : (usage?.totalTokens ?? 0),
    ...(zero ? (zeroed(details) as Body) : details),
  };
}

/** Reads a `chat.completion` object (the API's JSON or the SDK's `ChatCompletion`). */
export function fromChatCompletion(completion: unknown): ReadAnswer {
  const c = isObject(completion) ? completion : {};
  const choices = Array.isArray(c.choices) ? c.choices : [];
  const choice = isObject(choices[0]) ? choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const response: ChatResponse = {
    content: typeof message.content === 'string' ? message.content : '',
    model: typeof c.model === 'string' ? c.model : '',
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop',
  };
  const usage = fromWireUsage(c.usage);
  if (usage !== undefined) response.usage = usage;
  if (typeof message.refusal === 'string') response.refusal = message.refusal;
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  let unstorable: string | undefined;
  const toolCalls = [];
  for (const call of calls) {
    const fn = isObject(call) ? call.function : undefined;
    if (
      !isObject(call) ||
      call.type !== 'function' ||
      typeof call.id !== 'string' ||
      !isObject(fn)
    ) {
      unstorable = 'a tool call other than a function call';
      continue;
    }
    toolCalls.push({ id: call.id, name: String(fn.name), arguments: String(fn.arguments ?? '') });
  }
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  const extra = Object.fromEntries(Object.entries(c).filter(([k]) => !COMPLETION_FIELDS.has(k)));
  if (Object.keys(extra).length > 0) response.extra = extra;
  if (choices.length !== 1) unstorable = `${choices.length} choices`;
  else if (choice.logprobs != null) unstorable = 'log probabilities';
  else if (Object.keys(message).some((k) => !MESSAGE_FIELDS.has(k) && message[k] != null)) {
    unstorable = 'message fields the cache does not replay (audio...)';
  } else if (Array.isArray(message.annotations) && message.annotations.length > 0) {
    unstorable = 'annotations';
  } else if (!STORABLE_FINISH.has(response.finishReason)) {
    unstorable = `finish_reason ${response.finishReason}`;
  } else if (response.content === '' && toolCalls.length === 0 && response.refusal === undefined) {
    unstorable = 'an empty answer';
  }
  return unstorable === undefined ? { response } : { response, unstorable };
}

/** Options of {@link toChatCompletion} and {@link ChunkWriter}. */
export interface ReplayOptions {
  /** Completion id. Default: a new one. */
  id?: string;
  /** Creation time, epoch seconds. Default: now. */
  created?: number;
  /** Report zero tokens (the answer cost nothing: a hit, a shared call). */
  zeroUsage?: boolean;
}

/** `response` as a `chat.completion` object in the documented shape. */
export function toChatCompletion(response: ChatResponse, options: ReplayOptions = {}): Body {
  const calls = response.toolCalls ?? [];
  const message: Body = {
    role: 'assistant',
    content:
      response.content === '' && (calls.length > 0 || response.refusal !== undefined)
        ? null
        : response.content,
    refusal: response.refusal ?? null,
    annotations: [],
  };
  if (calls.length > 0) {
    message.tool_calls = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: options.id ?? completionId(),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: response.finishReason }],
    usage: toWireUsage(response.usage, options.zeroUsage === true),
    ...response.extra,
  };
}

/** Reads one `chat.completion.chunk` (first choice) as a `ChatChunk`; undefined when it holds nothing. */
export function fromChatCompletionChunk(chunk: unknown): ChatChunk | undefined {
  if (!isObject(chunk)) return undefined;
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  const choice = isObject(choices[0]) ? choices[0] : {};
  const delta = isObject(choice.delta) ? choice.delta : {};
  const out: ChatChunk = { delta: typeof delta.content === 'string' ? delta.content : '' };
  if (typeof delta.refusal === 'string') out.refusal = delta.refusal;
  if (Array.isArray(delta.tool_calls)) {
    const pieces: ToolCallDelta[] = [];
    for (const call of delta.tool_calls) {
      if (!isObject(call)) continue;
      const fn = isObject(call.function) ? call.function : {};
      const piece: ToolCallDelta = { index: typeof call.index === 'number' ? call.index : 0 };
      if (typeof call.id === 'string') piece.id = call.id;
      if (typeof fn.name === 'string') piece.name = fn.name;
      if (typeof fn.arguments === 'string') piece.arguments = fn.arguments;
      pieces.push(piece);
    }
    if (pieces.length > 0) out.toolCalls = pieces;
  }
  if (typeof choice.finish_reason === 'string') out.finishReason = choice.finish_reason;
  const usage = fromWireUsage(chunk.usage);
  if (usage !== undefined) out.usage = usage;
  if (typeof chunk.model === 'string') out.model = chunk.model;
  const extra = Object.fromEntries(
    Object.entries(chunk).filter(
      ([k, v]) => !COMPLETION_FIELDS.has(k) && k !== 'obfuscation' && v !== undefined,
    ),
  );
  if (Object.keys(extra).length > 0) out.extra = extra;
  const empty =
    out.delta === '' &&
    out.refusal === undefined &&
    out.toolCalls === undefined &&
    out.finishReason === undefined &&
    out.usage === undefined &&
    out.extra === undefined;
  return empty && out.model === undefined ? undefined : out;
}

/**
 * Writes `chat.completion.chunk` objects for a stream of `ChatChunk`s, as the API does: a first
 * chunk with the role, content, refusal and tool-call deltas, a chunk with the finish reason,
 * and with `includeUsage` a last chunk with empty choices and the usage (`usage: null` on every
 * other chunk). Provider extras (`system_fingerprint`...) are repeated on every chunk once known.
 */
export class ChunkWriter {
  readonly #id: string;
  readonly #created: number;
  readonly #includeUsage: boolean;
  readonly #zeroUsage: boolean;
  #model: string;
  #extra: Body = {};
  #started = false;
  #finishReason: string | undefined;
  #usage: TokenUsage | undefined;

  /** A writer for one stream answering with `model` (until a chunk names another). */
  constructor(model: string, includeUsage: boolean, options: ReplayOptions = {}) {
    this.#model = model;
    this.#includeUsage = includeUsage;
    this.#zeroUsage = options.zeroUsage === true;
    this.#id = options.id ?? completionId();
    this.#created = options.created ?? Math.floor(Date.now() / 1000);
  }

  /** The completion id of the stream. */
  get id(): string {
    return this.#id;
  }

  /** The wire chunks for `chunk` (the role chunk first, before the first one). */
  write(chunk: ChatChunk): Body[] {
    if (chunk.model !== undefined) this.#model = chunk.model;
    if (chunk.extra !== undefined) this.#extra = { ...this.#extra, ...chunk.extra };
    if (chunk.usage !== undefined) this.#usage = chunk.usage;
    if (chunk.finishReason !== undefined) this.#finishReason = chunk.finishReason;
    const out: Body[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(this.#chunk({ role: 'assistant', content: '', refusal: null }, null));
    }
    const delta: Body = {};
    if (chunk.delta !== '') delta.content = chunk.delta;
    if (chunk.refusal !== undefined) delta.refusal = chunk.refusal;
    if (chunk.toolCalls !== undefined) {
      delta.tool_calls = chunk.toolCalls.map((t) => {
        const fn: Body = {};
        if (t.name !== undefined) fn.name = t.name;
        fn.arguments = t.arguments ?? '';
        return {
          index: t.index,
          ...(t.id === undefined ? {} : { id: t.id, type: 'function' }),
          function: fn,
        };
      });
    }
    if (Object.keys(delta).length > 0) out.push(this.#chunk(delta, null));
    return out;
  }

  /** The closing wire chunks: the finish reason, then the usage when asked for. */
  end(): Body[] {
    const out = this.#started ? [] : this.write({ delta: '' });
    out.push(this.#chunk({}, this.#finishReason ?? 'stop'));
    if (this.#includeUsage) {
      out.push({
        ...this.#base(),
        choices: [],
        usage: toWireUsage(this.#usage, this.#zeroUsage),
      });
    }
    return out;
  }

  #base(): Body {
    return {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      ...this.#extra,
    };
  }

  #chunk(delta: Body, finishReason: string | null): Body {
    return {
      ...this.#base(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.#includeUsage ? { usage: null } : {}),
    };
  }
}
