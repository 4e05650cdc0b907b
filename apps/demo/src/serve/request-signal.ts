import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from './context.js';
import { ClientClosedError, mapError, messageOf } from './errors.js';
import { errorBody } from './openai-format.js';

/** The signal of one answer: the model timeout, and the client going away. */
export function answerSignal(
  ctx: ServiceContext,
  reply: FastifyReply,
): { signal: AbortSignal; timeout: AbortSignal } {
  const timeout = AbortSignal.timeout(ctx.modelTimeoutMs);
  const client = new AbortController();
  // The response's close (not the request's, which fires once the body is read) means the
  // client went away before the answer was finished.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) client.abort(new ClientClosedError());
  });
  return { signal: AbortSignal.any([timeout, client.signal]), timeout };
}

/** Answers an error thrown while answering, in OpenAI's error shape (or logs it once the answer started). */
export function sendAnswerError(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  timeout: AbortSignal,
): FastifyReply {
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
  if (mapping.status >= 500) req.log.error({ err: message }, 'answer failed');
  return reply.code(mapping.status).send(errorBody(message, mapping.type));
}
