import { type CacheStream, type ChatRequest, type RequestOptions, scopeOfKey } from '@cache/core';
import type { Mapped } from '@cache/openai';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cacheHeaders, type Served } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { errorBody } from './openai-format.js';
import { passThrough } from './pass-through.js';
import { optionsFromHeaders } from './request-options.js';
import { answerSignal } from './request-signal.js';
import type { Upstream } from './upstream.js';

/** How the answering routes go on after `startAnswer`. */
export type AnswerStart =
  | { answered: FastifyReply }
  | { request: ChatRequest; options: RequestOptions; timeout: AbortSignal };

/**
 * What every answering route (`/v1/chat/completions`, `/v1/responses`) does first: reads the cache
 * headers (400 on bad ones), sets up the answer's signal, and passes to `path` of the upstream,
 * byte for byte, a request the wire format will not cache (`mapped.bypass`, its reason) or the
 * caller or the access checks asked to bypass. Otherwise the request and its options for the cache.
 */
export async function startAnswer(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  upstream: Upstream | undefined,
  path: string,
  mapped: Mapped,
): Promise<AnswerStart> {
  const { options, problems } = optionsFromHeaders(req.headers);
  if (problems.length > 0) {
    ctx.metrics.httpError(400);
    return {
      answered: reply.code(400).send(errorBody(problems.join('; '), 'invalid_request_error')),
    };
  }
  const { signal, timeout } = answerSignal(ctx, reply);
  if ('bypass' in mapped) {
    return { answered: await passThrough(ctx, req, reply, upstream, path, mapped.bypass, signal) };
  }
  if (options.bypass === true && upstream !== undefined) {
    const why =
      req.notCachedReason ??
      'bypass requested (x-cache-bypass, or cache-control: no-cache, no-store)';
    return { answered: await passThrough(ctx, req, reply, upstream, path, why, signal) };
  }
  options.signal = signal;
  return { request: mapped.request, options, timeout };
}

/**
 * Takes over the response and writes the head of a server-sent-events answer with the cache
 * headers of `stream` (`known`: its result, when the answer was already whole).
 */
export function openEventStream(
  reply: FastifyReply,
  served: Served,
  stream: CacheStream,
  known: Awaited<CacheStream['result']> | undefined,
): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...cacheHeaders(
      served,
      {
        key: stream.key,
        matchedKey: stream.matchedKey,
        similarity: stream.similarity,
        semanticSkip: known?.semanticSkip,
        reason: known?.reason,
        scope: stream.key ? scopeOfKey(stream.key) : undefined,
      },
      known?.response.usage,
    ),
  });
}
