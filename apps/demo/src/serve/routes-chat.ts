import type { CacheStream, ChatRequest, RequestOptions } from '@cache/core';
import { ChunkWriter, completionId, fromChatCompletionBody, toChatCompletion } from '@cache/openai';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openEventStream, startAnswer } from './answer-start.js';
import { cacheHeaders, isFree, rememberServed, servedAs } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { mapError, messageOf } from './errors.js';
import { errorBody } from './openai-format.js';
import { keepRawBody } from './raw-body.js';
import { sendAnswerError } from './request-signal.js';
import type { Upstream } from './upstream.js';

/**
 * Registers `POST /v1/chat/completions` (OpenAI-compatible, plain and streamed). The body is
 * mapped by `@cache/openai`'s wire format: a cacheable request goes through the cache, any
 * other is passed to `upstream` byte for byte (`x-cache: bypass` with `x-cache-reason`).
 */
export function chatRoutes(app: FastifyInstance, ctx: ServiceContext, upstream?: Upstream): void {
  app.post('/v1/chat/completions', { preParsing: keepRawBody }, async (req, reply) => {
    const mapped = fromChatCompletionBody(req.body);
    const start = await startAnswer(ctx, req, reply, upstream, '/chat/completions', mapped);
    if ('answered' in start) return start.answered;
    const { request, options, timeout } = start;
    const body = req.body as { stream?: boolean; stream_options?: { include_usage?: boolean } };
    try {
      if (body.stream === true) {
        const includeUsage = body.stream_options?.include_usage === true;
        await streamAnswer(ctx, req, reply, request, options, includeUsage);
        return reply;
      }
      return await plainAnswer(ctx, reply, request, options, req.notCachedReason);
    } catch (error) {
      return sendAnswerError(ctx, req, reply, error, timeout);
    }
  });
}

async function plainAnswer(
  ctx: ServiceContext,
  reply: FastifyReply,
  request: ChatRequest,
  options: RequestOptions,
  notCachedReason: string | undefined,
) {
  const started = performance.now();
  const result = await ctx.cache.complete(request, options);
  const served = servedAs(result.source, result.shared, options);
  ctx.metrics.observe(result, (performance.now() - started) / 1000, false, served);
  const id = completionId();
  rememberServed(ctx, id, result);
  reply.headers(cacheHeaders(served, result, result.response.usage));
  if (notCachedReason !== undefined) reply.header('x-cache-reason', notCachedReason);
  return reply.send(toChatCompletion(result.response, { id, zeroUsage: isFree(served) }));
}

async function streamAnswer(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  request: ChatRequest,
  options: RequestOptions,
  includeUsage: boolean,
): Promise<void> {
  const started = performance.now();
  const stream: CacheStream = await ctx.cache.stream(request, options);
  const served = servedAs(stream.source, stream.shared === true, options);
  // A hit or a shared answer is already whole: its usage goes in the headers.
  const known = isFree(served) ? await stream.result : undefined;
  const writer = new ChunkWriter(request.model, includeUsage, { zeroUsage: isFree(served) });
  openEventStream(reply, served, stream, known);
  // After a client disconnect the socket is gone: writing would only raise stream errors.
  const open = () => !reply.raw.destroyed && !reply.raw.writableEnded;
  const send = (chunks: unknown[]) => {
    for (const data of chunks) if (open()) reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  try {
    for await (const chunk of stream.chunks) send(writer.write(chunk));
    const result = await stream.result;
    send(writer.end());
    ctx.metrics.observe(result, (performance.now() - started) / 1000, true, served);
    rememberServed(ctx, writer.id, result);
  } catch (error) {
    const mapping = mapError(error, false);
    if (mapping.component) ctx.metrics.error(mapping.component);
    req.log.error({ err: messageOf(error) }, 'stream failed after it started');
    send([errorBody(messageOf(error), mapping.type)]);
  }
  if (open()) reply.raw.end('data: [DONE]\n\n');
}
