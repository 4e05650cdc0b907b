import type { ChatRequest, RequestOptions } from '@cache/core';
import {
  fromResponsesBody,
  type ResponsesEcho,
  responsesId,
  responsesMessage,
  toResponsesObject,
} from '@cache/openai';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openEventStream, startAnswer } from './answer-start.js';
import { cacheHeaders, isFree, rememberServed, servedAs } from './cache-headers.js';
import type { ServiceContext } from './context.js';
import { mapError, messageOf } from './errors.js';
import { keepRawBody } from './raw-body.js';
import { sendAnswerError } from './request-signal.js';
import type { Upstream } from './upstream.js';

type Body = Record<string, unknown>;

/**
 * Registers `POST /v1/responses`: text input is cached like a chat request (same scope, same
 * key as the same conversation through chat completions) and answered by the cache's model;
 * anything else goes to `upstream` byte for byte.
 */
export function responsesRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  upstream?: Upstream,
): void {
  app.post('/v1/responses', { preParsing: keepRawBody }, async (req, reply) => {
    const mapped = fromResponsesBody(req.body);
    const start = await startAnswer(ctx, req, reply, upstream, '/responses', mapped);
    if ('answered' in start) return start.answered;
    const { request, options, timeout } = start;
    const body = req.body as Body;
    try {
      if (body.stream === true) {
        await streamResponse(ctx, req, reply, request, options, body);
        return reply;
      }
      const started = performance.now();
      const result = await ctx.cache.complete(request, options);
      const served = servedAs(result.source, result.shared, options);
      ctx.metrics.observe(result, (performance.now() - started) / 1000, false, served);
      const echo = echoOf(body, isFree(served));
      rememberServed(ctx, echo.id, result);
      reply.headers(cacheHeaders(served, result, result.response.usage));
      return reply.send(toResponsesObject(result.response, echo));
    } catch (error) {
      return sendAnswerError(ctx, req, reply, error, timeout);
    }
  });
}

function echoOf(body: Body, zeroUsage: boolean): ResponsesEcho {
  return {
    id: responsesId('resp'),
    messageId: responsesId('msg'),
    createdAt: Math.floor(Date.now() / 1000),
    body,
    zeroUsage,
  };
}

/** Streams the answer as the Responses API's server-sent events, `response.created` to `response.completed`. */
async function streamResponse(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  request: ChatRequest,
  options: RequestOptions,
  body: Body,
): Promise<void> {
  const started = performance.now();
  const stream = await ctx.cache.stream(request, options);
  const served = servedAs(stream.source, stream.shared === true, options);
  const known = isFree(served) ? await stream.result : undefined;
  const echo = echoOf(body, isFree(served));
  openEventStream(reply, served, stream, known);
  const open = () => !reply.raw.destroyed && !reply.raw.writableEnded;
  let sequence = 0;
  const send = (type: string, data: Body) => {
    if (open())
      reply.raw.write(
        `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`,
      );
  };
  const at = { item_id: echo.messageId, output_index: 0, content_index: 0 };
  try {
    send('response.created', { response: toResponsesObject(undefined, echo) });
    send('response.in_progress', { response: toResponsesObject(undefined, echo) });
    send('response.output_item.added', {
      output_index: 0,
      item: responsesMessage(undefined, echo, false),
    });
    send('response.content_part.added', {
      ...at,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    for await (const chunk of stream.chunks) {
      if (chunk.delta !== '')
        send('response.output_text.delta', { ...at, delta: chunk.delta, logprobs: [] });
    }
    const result = await stream.result;
    const text = result.response.content;
    send('response.output_text.done', { ...at, text, logprobs: [] });
    send('response.content_part.done', {
      ...at,
      part: { type: 'output_text', text, annotations: [] },
    });
    send('response.output_item.done', {
      output_index: 0,
      item: responsesMessage(result.response, echo, true),
    });
    const done = toResponsesObject(result.response, echo);
    send(done.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response: done,
    });
    ctx.metrics.observe(result, (performance.now() - started) / 1000, true, served);
    rememberServed(ctx, echo.id, result);
  } catch (error) {
    const mapping = mapError(error, false);
    if (mapping.component) ctx.metrics.error(mapping.component);
    req.log.error({ err: messageOf(error) }, 'stream failed after it started');
    send('error', { code: mapping.type, message: messageOf(error), param: null });
  }
  if (open()) reply.raw.end();
}
