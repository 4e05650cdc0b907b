import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { messageOf } from './errors.js';
import { errorBody } from './openai-format.js';

/** The OpenAI-compatible server the service passes requests it does not cache to. */
export interface Upstream {
  /** Base URL ending in `/v1` (`OPENAI_BASE_URL`, default `https://api.openai.com/v1`). */
  baseURL: string;
  /** Bearer token the service sends (`OPENAI_API_KEY`); the client's own key is never forwarded. */
  apiKey?: string;
}

/** Response headers of the upstream passed on to the client. */
const FORWARDED_HEADERS = [
  'content-type',
  'openai-processing-ms',
  'openai-version',
  'x-request-id',
  'retry-after',
];

/**
 * Sends `body` (the client's bytes, untouched) to `path` of the upstream and streams its answer
 * back as it comes, status and body unchanged, with `headers` added. Nothing is cached. An
 * unreachable upstream is a 502 naming it.
 */
export async function forward(
  upstream: Upstream,
  method: 'GET' | 'POST',
  path: string,
  req: FastifyRequest,
  reply: FastifyReply,
  body: Buffer | undefined,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<FastifyReply> {
  const url = `${upstream.baseURL.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal,
      headers: {
        ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}),
        ...(body === undefined
          ? {}
          : { 'content-type': req.headers['content-type'] ?? 'application/json' }),
        accept: req.headers.accept ?? '*/*',
      },
      ...(body === undefined ? {} : { body }),
    });
  } catch (error) {
    req.log.error({ err: messageOf(error), url }, 'upstream unreachable');
    return reply
      .code(502)
      .headers(headers)
      .send(
        errorBody(
          `the upstream ${upstream.baseURL} (OPENAI_BASE_URL) is unreachable: ${messageOf(error)}`,
          'upstream_error',
        ),
      );
  }
  reply.code(response.status).headers(headers);
  for (const name of FORWARDED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  if (response.body === null) return reply.send('');
  return reply.send(Readable.fromWeb(response.body as never));
}
