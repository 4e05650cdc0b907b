import type { CacheResult } from '@cache/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerText } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { errorBody } from './openai-format.js';
import { rawBodyOf } from './raw-body.js';
import { forward, type Upstream } from './upstream.js';

/**
 * Answers a request the cache does not take: its bytes go to `path` of the upstream untouched
 * and the upstream's answer comes back as it is (`x-cache: bypass`, `x-cache-reason`). Without
 * an OpenAI-compatible upstream (the stand-in or Ollama model) there is nowhere to send it: a
 * 400 says why the cache could not take it.
 */
export async function passThrough(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  upstream: Upstream | undefined,
  path: string,
  reason: string,
  signal: AbortSignal,
): Promise<FastifyReply> {
  const headers = { 'x-cache': 'bypass', 'x-cache-reason': headerText(reason) };
  if (upstream === undefined) {
    ctx.metrics.httpError(400);
    return reply
      .code(400)
      .headers(headers)
      .send(
        errorBody(
          `${reason}. The cache does not take this request, and the service has no OpenAI-compatible upstream to pass it to (CACHE_MODEL=openai).`,
          'invalid_request_error',
        ),
      );
  }
  const started = performance.now();
  const sent = await forward(upstream, 'POST', path, req, reply, rawBodyOf(req), headers, signal);
  ctx.metrics.observe(bypassed(), (performance.now() - started) / 1000, false, 'bypass');
  return sent;
}

function bypassed(): CacheResult {
  return {
    response: { content: '', model: '', finishReason: '' },
    source: 'bypass',
    ageMs: 0,
    stored: false,
    shared: false,
    rejected: [],
    failures: [],
    timings: { totalMs: 0 },
  };
}
