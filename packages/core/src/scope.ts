import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ChatRequest } from './types.js';

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

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_HEX);
}

/**
 * The scope hash of a request: cache version, namespace, tenant, model, every message before the
 * last (system prompt and earlier turns, verbatim) and every output-affecting parameter, hashed
 * from canonical JSON so key order never matters. 32 hex characters (128 bits of SHA-256).
 */
export function scopeOf(request: ChatRequest, context: ScopeContext): string {
  const earlier = request.messages.slice(0, -1).map((m) => ({
    role: m.role,
    content: m.content,
    name: m.name,
  }));
  return sha256Hex(
    canonicalJson({
      v: 1,
      version: context.version,
      namespace: context.namespace,
      tenant: context.tenant ?? null,
      model: request.model,
      messages: earlier,
      lastRole: request.messages.at(-1)?.role,
      lastName: request.messages.at(-1)?.name,
      params: {
        temperature: request.temperature,
        topP: request.topP,
        maxTokens: request.maxTokens,
        stop: request.stop,
        seed: request.seed,
        tools: request.tools,
        toolChoice: request.toolChoice,
        responseFormat: request.responseFormat,
      },
    }),
  );
}

/** The entry key `<scope>:<digest>` of a normalized prompt in `scope` (see `scopeOfKey`). */
export function entryKey(scope: string, normalizedPrompt: string): string {
  return `${scope}:${sha256Hex(normalizedPrompt)}`;
}
