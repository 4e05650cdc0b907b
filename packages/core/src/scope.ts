import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ChatMessage, ChatRequest } from './types.js';

/** What besides the request itself goes into a scope. */
export interface ScopeContext {
  /** Cache version (`SemanticCacheOptions.version`). */
  version: string;
  /** Namespace of the request (or the cache's default). */
  namespace: string;
  /** Tenant of the request, if any. */
  tenant?: string;
}

const HASH_HEX = 32;

// One-shot crypto.hash: same digest as createHash().update(text, 'utf8'), a quarter of the cost
// on the short texts hashed for every request.
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex').slice(0, HASH_HEX);
}

/**
 * The scope hash of a request: cache version, namespace, tenant, model, every message before the
 * last (system prompt and earlier turns, verbatim) and every output-affecting parameter, hashed
 * from canonical JSON so key order never matters. 32 hex characters (128 bits of SHA-256).
 */
export function scopeOf(request: ChatRequest, context: ScopeContext): string {
  const json = scopeJson(request, context);
  if (json.length > MEMO_MAX_CHARS) return sha256Hex(json);
  let scope = recentScopes.get(json);
  if (scope === undefined) {
    scope = sha256Hex(json);
    if (recentScopes.size >= MEMO_SIZE) recentScopes.clear();
    recentScopes.set(json, scope);
  }
  return scope;
}

// Most requests share a few scopes (one system prompt, one model, one tenant): their hashes are
// remembered by scope JSON, which a map finds faster than SHA-256 recomputes it. Only short JSON
// (no long conversations) is kept, so the memo stays under a megabyte.
const MEMO_SIZE = 256;
const MEMO_MAX_CHARS = 4096;
const recentScopes = new Map<string, string>();

/**
 * `canonicalJson` of the scope record
 * `{ v: 2, version, namespace, tenant, model, messages, lastRole, lastName, params }` (earlier
 * messages with their tool calls and tool call ids, `params` with `extra`; never `passthrough`), written
 * member by member in canonical (sorted) order instead of building the record and sorting its
 * keys on every request. The output, and so every stored key, is the same string; a test holds
 * it to the generic form.
 */
function scopeJson(request: ChatRequest, context: ScopeContext): string {
  const messages = request.messages;
  const last = messages.at(-1);
  let out = '{';
  out = member(out, 'lastName', last?.name);
  out = member(out, 'lastRole', last?.role);
  let earlier = '[';
  for (let i = 0; i < messages.length - 1; i++) {
    const m = messages[i] as ChatMessage;
    // A hole of a sparse array joins as nothing, as the generic form (map, then join) left it.
    if (m === undefined && !(i in messages)) {
      earlier += i > 0 ? ',' : '';
      continue;
    }
    let one = '{';
    one = member(one, 'content', m.content);
    one = member(one, 'name', m.name);
    one = member(one, 'role', m.role);
    one = member(one, 'toolCallId', m.toolCallId);
    one = member(one, 'toolCalls', m.toolCalls);
    earlier += `${i > 0 ? ',' : ''}${one}}`;
  }
  out = member(out, 'messages', undefined, `${earlier}]`);
  out = member(out, 'model', request.model);
  out = member(out, 'namespace', context.namespace);
  let params = '{';
  params = member(params, 'extra', request.extra);
  params = member(params, 'maxTokens', request.maxTokens);
  params = member(params, 'responseFormat', request.responseFormat);
  params = member(params, 'seed', request.seed);
  params = member(params, 'stop', request.stop);
  params = member(params, 'temperature', request.temperature);
  params = member(params, 'toolChoice', request.toolChoice);
  params = member(params, 'tools', request.tools);
  params = member(params, 'topP', request.topP);
  out = member(out, 'params', undefined, `${params}}`);
  out = member(out, 'tenant', context.tenant ?? null);
  out = member(out, 'v', 2);
  out = member(out, 'version', context.version);
  return `${out}}`;
}

/** `open` (an object's text so far) with `"name":value` appended, or unchanged when value is undefined. */
function member(open: string, name: string, value: unknown, written?: string): string {
  if (written === undefined) {
    if (value === undefined) return open;
    written = canonicalJson(value);
  }
  return `${open}${open.length > 1 ? ',' : ''}"${name}":${written}`;
}

/** The entry key `<scope>:<digest>` of a normalized prompt in `scope` (see `scopeOfKey`). */
export function entryKey(scope: string, normalizedPrompt: string): string {
  return `${scope}:${promptDigest(normalizedPrompt)}`;
}

/** The digest part of a normalized prompt's entry key: 32 hex characters of its SHA-256. */
export function promptDigest(normalizedPrompt: string): string {
  return sha256Hex(normalizedPrompt);
}
