import { MemoryExactStore, SemanticCache, StandInChatModel } from '@cache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildService } from '../src/serve/app.js';
import { tenantOf } from '../src/serve/request-options.js';

const cache = new SemanticCache({
  exactStore: new MemoryExactStore(),
  model: new StandInChatModel({ delayMs: 2_000 }),
});
const app = buildService({
  cache,
  description: 'slow',
  processMetrics: false,
  modelTimeoutMs: 50,
  adminToken: 'limits-admin-token-0123456789',
});

afterAll(async () => {
  await app.close();
  await cache.close();
});

describe('service limits', () => {
  it('answers 504 when the model does not answer within the timeout, and stores nothing', async () => {
    const payload = { model: 'm', messages: [{ role: 'user', content: 'slow question' }] };
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload,
      headers: { authorization: 'Bearer sk-limits' },
    });
    expect(response.statusCode).toBe(504);
    expect(response.json().error.message).toMatch(/did not answer within 50 ms/);
    const stats = (
      await app.inject({
        method: 'GET',
        url: '/cache/stats',
        headers: { authorization: 'Bearer limits-admin-token-0123456789' },
      })
    ).json();
    expect(stats.stores).toBe(0);
  });

  it('hashes the API key into the tenant and never keeps the key itself', () => {
    const tenant = tenantOf('Bearer sk-secret-123');
    expect(tenant).not.toContain('sk-secret-123');
    expect(tenant).toBe(tenantOf('Bearer   sk-secret-123'));
    expect(tenant).not.toBe(tenantOf('Bearer sk-secret-124'));
    expect(tenantOf(undefined)).toBe('anonymous');
  });

  it('rejects non-JSON bodies and unknown routes with OpenAI-style errors', async () => {
    const text = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.message).toMatch(/body: .*expected object/);
    const missing = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.type).toBe('not_found');
  });
});
