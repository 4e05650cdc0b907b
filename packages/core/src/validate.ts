import type { RequestOptions } from './cache-options.js';
import { InvalidOptionError, InvalidRequestError } from './errors.js';
import { hasLoneSurrogate } from './normalize.js';
import { assertValidTtl } from './ttl-rules.js';
import type { ChatMessage, ChatRequest, ChatResponse } from './types.js';

/** Default `maxPromptBytes`: 1 MiB of UTF-8 across all message contents. */
export const DEFAULT_MAX_PROMPT_BYTES = 1024 * 1024;

/** Keys a `ChatRequest` may have; anything else could change the answer without being in the scope. */
export const REQUEST_KEYS: readonly string[] = [
  'model',
  'messages',
  'temperature',
  'topP',
  'maxTokens',
  'stop',
  'seed',
  'tools',
  'toolChoice',
  'responseFormat',
  'extra',
  'passthrough',
];

/** Keys of `RequestOptions`. */
export const REQUEST_OPTION_KEYS: readonly string[] = [
  'bypass',
  'refresh',
  'noStore',
  'ttlMs',
  'namespace',
  'tenant',
  'signal',
  'metadata',
];

const MESSAGE_KEYS = ['role', 'content', 'name', 'toolCalls', 'toolCallId'];
const TOOL_CALL_KEYS = ['id', 'name', 'arguments'];
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_METADATA_KEYS = 64;
const MAX_METADATA_VALUE = 4096;

/** Throws `InvalidOptionError` naming the valid keys when `value` has a key outside `valid`. */
export function assertKnownKeys(value: object, valid: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) {
      throw new InvalidOptionError(
        `${where}: unknown option "${key}". Valid options are: ${valid.join(', ')}.`,
      );
    }
  }
}

/** Throws `InvalidOptionError` unless `value` is a plain object (or undefined when optional). */
export function assertPlainObject(value: unknown, where: string): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`${where} must be an object, got ${describe(value)}.`);
  }
}

/**
 * Checks a request and returns its prompt (the last message's content, as given). The last
 * message is the user's, or a tool result (such a request is answered, never cached; see
 * `prepareRequest`). Throws `InvalidRequestError` saying what to fix.
 */
export function validateRequest(request: unknown, maxPromptBytes: number): string {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new InvalidRequestError(
      `expected a ChatRequest object { model, messages }, got ${describe(request)}.`,
    );
  }
  const r = request as Partial<ChatRequest> & Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!REQUEST_KEYS.includes(key)) {
      throw new InvalidRequestError(
        `unknown request field "${key}": it could change the answer without being part of the cache scope. ` +
          'Put provider fields in extra (part of the scope) or passthrough (known not to change the answer). ' +
          `Valid fields are: ${REQUEST_KEYS.join(', ')}.`,
      );
    }
  }
  if (typeof r.model !== 'string' || r.model.trim() === '') {
    throw new InvalidRequestError('request.model must be a non-empty string naming the model.');
  }
  if (!Array.isArray(r.messages) || r.messages.length === 0) {
    throw new InvalidRequestError(
      'request.messages must be a non-empty array ending with the user message to answer.',
    );
  }
  let bytes = 0;
  for (let i = 0; i < r.messages.length; i++) {
    const m: unknown = r.messages[i];
    validateMessage(m, i);
    bytes += messageBytes(m as ChatMessage);
  }
  const last = r.messages.at(-1) as ChatMessage;
  if (last.role !== 'user' && last.role !== 'tool') {
    throw new InvalidRequestError(
      `the last message must come from the user (it is the prompt to answer) or be a tool result, got role "${last.role}".`,
    );
  }
  if (last.role === 'user' && last.content.trim() === '') {
    throw new InvalidRequestError(
      'the prompt (last user message) is empty or only whitespace; send the question to answer.',
    );
  }
  if (bytes > maxPromptBytes) {
    throw new InvalidRequestError(
      `the messages hold ${bytes} bytes of text, above the limit of ${maxPromptBytes} (maxPromptBytes). ` +
        'Shorten the conversation, or raise maxPromptBytes if such prompts are expected.',
    );
  }
  validateParams(r);
  for (const field of ['extra', 'passthrough'] as const) {
    if (r[field] !== undefined) assertWireFields(r[field], `request.${field}`);
  }
  return last.content;
}

function messageBytes(m: ChatMessage): number {
  let bytes = Buffer.byteLength(m.content, 'utf8');
  for (const call of m.toolCalls ?? []) bytes += Buffer.byteLength(call.arguments, 'utf8');
  return bytes;
}

/** Throws unless `value` is a plain object of provider fields without prototype-polluting keys. */
function assertWireFields(value: unknown, where: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError(
      `${where} must be an object of provider fields, got ${describe(value)}.`,
    );
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new InvalidRequestError(`${where} has the forbidden key "${key}"; remove it.`);
    }
  }
}

function validateToolCalls(calls: unknown, where: string): void {
  if (!Array.isArray(calls)) {
    throw new InvalidRequestError(
      `${where} must be an array of { id, name, arguments }, got ${describe(calls)}.`,
    );
  }
  calls.forEach((call: unknown, j) => {
    const at = `${where}[${j}]`;
    if (call === null || typeof call !== 'object' || Array.isArray(call)) {
      throw new InvalidRequestError(`${at} must be an object { id, name, arguments }.`);
    }
    const c = call as Record<string, unknown>;
    for (const key of Object.keys(c)) {
      if (!TOOL_CALL_KEYS.includes(key)) {
        throw new InvalidRequestError(
          `${at} has unknown field "${key}"; valid fields are ${TOOL_CALL_KEYS.join(', ')}.`,
        );
      }
    }
    for (const key of TOOL_CALL_KEYS) {
      if (typeof c[key] !== 'string') {
        throw new InvalidRequestError(`${at}.${key} must be a string, got ${describe(c[key])}.`);
      }
    }
  });
}

function validateMessage(m: unknown, i: number): void {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    throw new InvalidRequestError(
      `messages[${i}] must be an object { role, content }, got ${describe(m)}.`,
    );
  }
  const message = m as Record<string, unknown>;
  for (const key of Object.keys(message)) {
    if (!MESSAGE_KEYS.includes(key)) {
      throw new InvalidRequestError(
        `messages[${i}] has unknown field "${key}"; valid fields are ${MESSAGE_KEYS.join(', ')}.`,
      );
    }
  }
  if (typeof message.role !== 'string' || !ROLES.includes(message.role)) {
    throw new InvalidRequestError(
      `messages[${i}].role must be one of ${ROLES.join(', ')}, got ${describe(message.role)}.`,
    );
  }
  if (typeof message.content !== 'string') {
    throw new InvalidRequestError(
      `messages[${i}].content must be a string, got ${describe(message.content)}. Send text content only.`,
    );
  }
  if (hasLoneSurrogate(message.content)) {
    throw new InvalidRequestError(
      `messages[${i}].content holds an unpaired UTF-16 surrogate and cannot be encoded; fix the text's encoding.`,
    );
  }
  if (message.name !== undefined && typeof message.name !== 'string') {
    throw new InvalidRequestError(`messages[${i}].name must be a string when present.`);
  }
  if (message.toolCalls !== undefined) {
    if (message.role !== 'assistant') {
      throw new InvalidRequestError(
        `messages[${i}].toolCalls is only valid on assistant messages.`,
      );
    }
    validateToolCalls(message.toolCalls, `messages[${i}].toolCalls`);
  }
  if (message.toolCallId !== undefined) {
    if (message.role !== 'tool' || typeof message.toolCallId !== 'string') {
      throw new InvalidRequestError(
        `messages[${i}].toolCallId must be a string, on tool messages only.`,
      );
    }
  }
}

function finite(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidRequestError(
      `request.${name} must be a finite number from ${min} to ${max}, got ${describe(v)}.`,
    );
  }
}

function validateParams(r: Partial<ChatRequest>): void {
  finite('temperature', r.temperature, 0, 2);
  finite('topP', r.topP, 0, 1);
  if (
    r.maxTokens !== undefined &&
    (typeof r.maxTokens !== 'number' || !Number.isInteger(r.maxTokens) || r.maxTokens < 1)
  ) {
    throw new InvalidRequestError(
      `request.maxTokens must be a positive integer, got ${describe(r.maxTokens)}.`,
    );
  }
  if (r.seed !== undefined && (typeof r.seed !== 'number' || !Number.isSafeInteger(r.seed))) {
    throw new InvalidRequestError(`request.seed must be an integer, got ${describe(r.seed)}.`);
  }
  if (
    r.stop !== undefined &&
    (!Array.isArray(r.stop) || r.stop.some((s: unknown) => typeof s !== 'string'))
  ) {
    throw new InvalidRequestError('request.stop must be an array of strings.');
  }
}

/** Checks a response passed to `store` (or returned by a model); throws `InvalidRequestError`. */
export function validateResponse(response: unknown): asserts response is ChatResponse {
  const r = response as Partial<ChatResponse> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) {
    throw new InvalidRequestError(
      `expected a ChatResponse { content, model, finishReason }, got ${describe(response)}.`,
    );
  }
  if (typeof r.content !== 'string') {
    throw new InvalidRequestError(`response.content must be a string, got ${describe(r.content)}.`);
  }
  if (typeof r.model !== 'string' || typeof r.finishReason !== 'string') {
    throw new InvalidRequestError('response.model and response.finishReason must be strings.');
  }
  if (r.usage !== undefined) {
    const u = r.usage;
    const ok = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0;
    if (
      u === null ||
      typeof u !== 'object' ||
      !ok(u.promptTokens) ||
      !ok(u.completionTokens) ||
      !ok(u.totalTokens)
    ) {
      throw new InvalidRequestError(
        'response.usage must hold non-negative integer promptTokens, completionTokens and totalTokens.',
      );
    }
    if (u.details !== undefined) assertWireFields(u.details, 'response.usage.details');
  }
  if (r.toolCalls !== undefined) validateToolCalls(r.toolCalls, 'response.toolCalls');
  if (r.refusal !== undefined && typeof r.refusal !== 'string') {
    throw new InvalidRequestError(`response.refusal must be a string, got ${describe(r.refusal)}.`);
  }
  if (r.extra !== undefined) assertWireFields(r.extra, 'response.extra');
}

/** True when `response` is plain text: no tool calls and no refusal. */
export function isPlainTextResponse(response: ChatResponse): boolean {
  return (
    (response.toolCalls === undefined || response.toolCalls.length === 0) &&
    response.refusal === undefined
  );
}

/** True when two answers say the same: same text, refusal and tool calls. */
export function sameAnswer(a: ChatResponse, b: ChatResponse): boolean {
  return (
    a.content === b.content &&
    a.refusal === b.refusal &&
    JSON.stringify(a.toolCalls ?? []) === JSON.stringify(b.toolCalls ?? [])
  );
}

/** Checks per-request options; throws `InvalidOptionError` naming what is wrong. */
export function validateRequestOptions(options: unknown): RequestOptions {
  if (options === undefined) return {};
  assertPlainObject(options, 'request options');
  assertKnownKeys(options, REQUEST_OPTION_KEYS, 'request options');
  const o = options as RequestOptions;
  for (const flag of ['bypass', 'refresh', 'noStore'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw new InvalidOptionError(
        `request option ${flag} must be a boolean, got ${describe(o[flag])}.`,
      );
    }
  }
  if (o.ttlMs !== undefined) assertValidTtl(o.ttlMs, 'request option ttlMs');
  for (const name of ['namespace', 'tenant'] as const) {
    const v = o[name];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.length > 1024)) {
      throw new InvalidOptionError(
        `request option ${name} must be a non-empty string of at most 1024 characters, got ${describe(v)}.`,
      );
    }
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('request option signal must be an AbortSignal.');
  }
  if (o.metadata !== undefined) sanitizeMetadata(o.metadata);
  return o;
}

/**
 * A clean copy of caller metadata: a plain object of at most 64 string values, without
 * prototype-polluting keys. Throws `InvalidOptionError`.
 */
export function sanitizeMetadata(metadata: unknown): Record<string, string> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidOptionError(
      `metadata must be an object of strings, got ${describe(metadata)}.`,
    );
  }
  const proto = Object.getPrototypeOf(metadata);
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidOptionError(
      'metadata must be a plain object (its prototype was changed, e.g. by a __proto__ key).',
    );
  }
  const keys = Object.keys(metadata);
  if (keys.length > MAX_METADATA_KEYS) {
    throw new InvalidOptionError(
      `metadata holds ${keys.length} keys; at most ${MAX_METADATA_KEYS} are allowed.`,
    );
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new InvalidOptionError(
        `metadata key "${key}" is not allowed (it could pollute object prototypes); rename it.`,
      );
    }
    const value = (metadata as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.length > MAX_METADATA_VALUE) {
      throw new InvalidOptionError(
        `metadata.${key} must be a string of at most ${MAX_METADATA_VALUE} characters, got ${describe(value)}.`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** A short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string (${JSON.stringify(value.slice(0, 40))})`;
  return typeof value;
}
