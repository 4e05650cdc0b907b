import {
  type CacheResult,
  type CacheStream,
  type ChatRequest,
  type RequestOptions,
  scopeOfKey,
} from '@cache/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from './context.js';
import { ClientClosedError, mapError, messageOf } from './errors.js';
import { headerSource } from './metrics.js';
import {
  chunkObject,
  completionId,
  completionObject,
  errorBody,
  usageChunk,
} from './openai-format.js';
import {
  type ChatCompletionBody,
  chatCompletionBody,
  describeIssues,
  toChatRequest,
} from './openai-schema.js';
import { optionsFromHeaders } from './request-options.js';

/** Registers `POST /v1/chat/completions` (OpenAI-compatible, plain and streamed). */
export function chatRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post('/v1/chat/completions', async (req, reply) => {
    const parsed = chatCompletionBody.safeParse(req.body);
    if (!parsed.success) {
      ctx.metrics.httpError(400);
      return reply
        .code(400)
        .send(
          errorBody(`invalid request: ${describeIssues(parsed.error)}`, 'invalid_request_error'),
        );
    }
    const { options, problems } = optionsFromHeaders(req.headers);
    if (problems.length > 0) {
      ctx.metrics.httpError(400);
      return reply.code(400).send(errorBody(problems.join('; '), 'invalid_request_error'));
    }
    const timeout = AbortSignal.timeout(ctx.modelTimeoutMs);
    const client = new AbortController();
    // The response's close (not the request's, which fires once the body is read) means the
    // client went away before the answer was finished.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) client.abort(new ClientClosedError());
    });
    options.signal = AbortSignal.any([timeout, client.signal]);
    const request = toChatRequest(parsed.data);
    try {
      if (parsed.data.stream === true) {
        await streamAnswer(ctx, req, reply, request, options, parsed.data);
        return reply;
      }
      return await plainAnswer(ctx, reply, request, options);
    } catch (error) {
      if (reply.sent || reply.raw.headersSent) {
        req.log.warn({ err: messageOf(error) }, 'error after the response started');
        return reply;
      }
      const mapping = mapError(error, timeout.aborted);
      if (mapping.component) ctx.metrics.error(mapping.component);
      ctx.metrics.httpError(mapping.status);
      const message = timeout.aborted
        ? `the model did not answer within ${ctx.modelTimeoutMs} ms (CACHE_MODEL_TIMEOUT_MS)`
        : messageOf(error);
      if (mapping.status >= 500) req.log.error({ err: message }, 'chat completion failed');
      return reply.code(mapping.status).send(errorBody(message, mapping.type));
    }
  });
}

async function plainAnswer(
  ctx: ServiceContext,
  reply: FastifyReply,
  request: ChatRequest,
  options: RequestOptions,
) {
  const started = performance.now();
  const result = await ctx.cache.complete(request, options);
  ctx.metrics.observe(result, (performance.now() - started) / 1000, false);
  const id = completionId();
  rememberServed(ctx, id, result);
  reply.headers(cacheHeaders(result.source, result.similarity, result));
  return reply.send(completionObject(id, result.response.model, result.response));
}

async function streamAnswer(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  request: ChatRequest,
  options: RequestOptions,
  body: ChatCompletionBody,
): Promise<void> {
  const started = performance.now();
  const stream: CacheStream = await ctx.cache.stream(request, options);
  const id = completionId();
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // On a semantic stream the served entry's key is only known from the final result.
    ...cacheHeaders(stream.source, stream.similarity, {
      key: stream.source === 'semantic' ? undefined : stream.key,
      scope: stream.key ? scopeOfKey(stream.key) : undefined,
    }),
  });
  // After a client disconnect the socket is gone: writing would only raise stream errors.
  const open = () => !reply.raw.destroyed && !reply.raw.writableEnded;
  const send = (data: unknown) => {
    if (open()) reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  let model = request.model;
  try {
    send(chunkObject(id, model, { role: 'assistant', content: '' }, null));
    let finishReason = 'stop';
    for await (const chunk of stream.chunks) {
      if (chunk.delta !== '') send(chunkObject(id, model, { content: chunk.delta }, null));
      if (chunk.finishReason) finishReason = chunk.finishReason;
    }
    const result = await stream.result;
    model = result.response.model;
    send(chunkObject(id, model, {}, finishReason));
    if (body.stream_options?.include_usage) send(usageChunk(id, model, result.response.usage));
    ctx.metrics.observe(result, (performance.now() - started) / 1000, true);
    rememberServed(ctx, id, result);
  } catch (error) {
    const mapping = mapError(error, false);
    if (mapping.component) ctx.metrics.error(mapping.component);
    req.log.error({ err: messageOf(error) }, 'stream failed after it started');
    send(errorBody(messageOf(error), mapping.type));
  }
  if (open()) reply.raw.end('data: [DONE]\n\n');
}

function cacheHeaders(
  source: CacheResult['source'],
  similarity: number | undefined,
  keys: { key?: string; matchedKey?: string; scope?: string },
): Record<string, string> {
  const headers: Record<string, string> = { 'x-cache': headerSource(source) };
  if (keys.scope) headers['x-cache-scope'] = keys.scope;
  if (source === 'semantic' && similarity !== undefined) {
    headers['x-cache-similarity'] = similarity.toFixed(4);
  }
  const served = keys.matchedKey ?? keys.key;
  if ((source === 'exact' || source === 'semantic' || source === 'model') && served) {
    headers['x-cache-key'] = served;
  }
  return headers;
}

function rememberServed(ctx: ServiceContext, id: string, result: CacheResult): void {
  const served = result.matchedKey ?? result.key;
  if (served && (result.source === 'exact' || result.source === 'semantic')) {
    ctx.served.remember(id, served);
  }
}
