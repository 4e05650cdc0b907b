import type { CacheEntry } from './types.js';

/**
 * What is wrong with a stored entry's fields, or undefined when each has the type and range an
 * entry written by `SemanticCache` has: string prompt, answer text, model and finish reason;
 * finite timestamps; token counts that are non-negative integers; string metadata. Fields it
 * does not know are left alone. Exact stores and the exact layer call it on every entry read, so
 * a forged or damaged value is a miss (deleted) instead of an error on every later request.
 */
export function entryProblem(entry: unknown): string | undefined {
  if (!isObject(entry)) return 'is not an object';
  if (typeof entry.prompt !== 'string') return 'has no prompt';
  if (!Number.isFinite(entry.createdAt) || !Number.isFinite(entry.expiresAt)) {
    return 'has no valid timestamps';
  }
  if (entry.maxExpiresAt !== undefined && !Number.isFinite(entry.maxExpiresAt)) {
    return 'has an invalid maxExpiresAt';
  }
  if (entry.metadata !== undefined) {
    if (!isObject(entry.metadata)) return 'has invalid metadata';
    for (const v of Object.values(entry.metadata)) {
      if (typeof v !== 'string') return 'has invalid metadata';
    }
  }
  const r = entry.response;
  if (!isObject(r)) return 'has no response';
  if (typeof r.content !== 'string' || typeof r.model !== 'string') {
    return 'has an invalid response';
  }
  if (typeof r.finishReason !== 'string') return 'has an invalid finish reason';
  if (r.usage !== undefined) {
    const u = r.usage;
    if (
      !isObject(u) ||
      !isCount(u.promptTokens) ||
      !isCount(u.completionTokens) ||
      !isCount(u.totalTokens)
    ) {
      return 'has invalid token usage (counts must be non-negative integers)';
    }
  }
  return undefined;
}

/** Whether `entry` passes {@link entryProblem}. */
export function isValidEntry(entry: unknown): entry is CacheEntry {
  return entryProblem(entry) === undefined;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
