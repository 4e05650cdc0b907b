import { connect } from 'node:net';

/**
 * Resolves undefined when a TCP connection to the host and port of `url` opens within
 * `timeoutMs`, or a short reason when it does not. Sends nothing, so it has no side effects.
 */
export function probeTcp(
  url: string,
  defaultPort: number,
  timeoutMs = 1500,
): Promise<string | undefined> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    port = parsed.port ? Number(parsed.port) : defaultPort;
  } catch {
    return Promise.resolve(`${url} is not a URL`);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () =>
      done(`${host}:${port} did not answer within ${timeoutMs} ms`),
    );
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(`${host}:${port} unreachable (${error.message})`));
  });
}

/** Resolves undefined when `GET url` answers 2xx within `timeoutMs`, else a short reason. */
export async function probeHttp(url: string, timeoutMs = 1500): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok ? undefined : `${url} answered ${response.status}`;
  } catch (error) {
    return `${url} unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}
