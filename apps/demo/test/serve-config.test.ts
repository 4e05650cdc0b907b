import { describe, expect, it } from 'vitest';
import { serveOptionsFromEnv } from '../src/serve/serve-config.js';

describe('service options from the environment', () => {
  it('reads every variable', () => {
    expect(
      serveOptionsFromEnv({
        CACHE_ADMIN_TOKEN: 'a-long-enough-admin-token',
        CACHE_ANONYMOUS: 'rejected',
        CACHE_ALLOWED_HOSTS: 'cache.internal, localhost ,',
        CACHE_RATE_LIMIT_PER_MINUTE: '120',
        CACHE_REQUEST_TIMEOUT_MS: '5000',
        CACHE_IDLE_TIMEOUT_MS: '70000',
        CACHE_BODY_LIMIT_BYTES: '65536',
        CACHE_MAX_JSON_DEPTH: '32',
        CACHE_MAX_SEMANTIC_PROMPT_CHARS: '8000',
      }),
    ).toEqual({
      adminToken: 'a-long-enough-admin-token',
      anonymous: 'rejected',
      allowedHosts: ['cache.internal', 'localhost'],
      rateLimit: { max: 120, timeWindowMs: 60_000 },
      requestTimeoutMs: 5000,
      idleTimeoutMs: 70_000,
      bodyLimit: 65_536,
      maxJsonDepth: 32,
      maxSemanticPromptChars: 8000,
    });
    expect(serveOptionsFromEnv({ CACHE_ADMIN_TOKEN: '  ' })).toEqual({});
  });

  it('names every bad value', () => {
    expect(() =>
      serveOptionsFromEnv({
        CACHE_ADMIN_TOKEN: 'short',
        CACHE_ANONYMOUS: 'everyone',
        CACHE_RATE_LIMIT_PER_MINUTE: '-1',
      }),
    ).toThrow(/at least 16 characters[\s\S]*CACHE_ANONYMOUS=everyone[\s\S]*must be positive/);
  });
});
