import { createServer, type Server, type Socket } from 'node:net';
import { StoreUnavailableError } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisExactStore } from '../src/index.js';

/** A TCP server on loopback that accepts connections and never answers. */
let silent: Server;
let port = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('RedisExactStore operationTimeoutMs', () => {
  it('rejects calls a server never answers with a retryable StoreUnavailableError, each in turn', async () => {
    const store = new RedisExactStore({
      url: `redis://127.0.0.1:${port}`,
      operationTimeoutMs: 100,
      redisOptions: { enableReadyCheck: false },
    });
    try {
      const key = `${'a'.repeat(32)}:${'b'.repeat(32)}`;
      for (let round = 0; round < 2; round++) {
        const calls = [store.get(key), store.delete(key), store.get(key)];
        const settled = await Promise.allSettled(calls);
        for (const outcome of settled) {
          expect(outcome.status).toBe('rejected');
          const error = (outcome as PromiseRejectedResult).reason;
          expect(error).toBeInstanceOf(StoreUnavailableError);
          expect(error.retryable).toBe(true);
          expect(error.message).toMatch(/did not answer within 100 ms/);
        }
      }
    } finally {
      await store.close();
    }
  });
});
