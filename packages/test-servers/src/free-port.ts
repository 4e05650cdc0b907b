import { createServer } from 'node:net';

/**
 * Resolves with a loopback port that was free a moment ago; with `offset`, `port + offset` was
 * free as well (a Redis Cluster node also listens on port + 10000).
 */
export async function freePort(offset?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isPortFree(port)) && (offset === undefined || (await isPortFree(port + offset)))) {
      return port;
    }
  }
  throw new Error('no free loopback port found after 50 tries: free some ports in 20000-40000');
}

/** True when nothing listens on `port` of 127.0.0.1. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
