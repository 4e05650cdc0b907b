import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

const bodies = new WeakMap<FastifyRequest, Buffer[]>();

/**
 * A `preParsing` hook that keeps the bytes of the request body as they arrive (Fastify's parser
 * still parses them and enforces the body limit), so a request the cache passes through can be
 * forwarded byte for byte.
 */
export async function keepRawBody(
  req: FastifyRequest,
  _reply: FastifyReply,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  const chunks: Buffer[] = [];
  bodies.set(req, chunks);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done(null, chunk);
    },
  });
  payload.on('error', (error) => tee.destroy(error));
  return payload.pipe(tee);
}

/** The body bytes of `req` as received (empty when `keepRawBody` did not run). */
export function rawBodyOf(req: FastifyRequest): Buffer {
  return Buffer.concat(bodies.get(req) ?? []);
}
