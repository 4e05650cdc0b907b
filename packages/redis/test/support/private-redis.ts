import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A redis-server this test process started on a loopback port; never the shared one. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Shuts the server down (no save) and waits until its port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** Resolves with a loopback port that was free a moment ago (and so was `port + offset`). */
export async function freePort(offset?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (offset === undefined || (await isFree(port + offset)))) {
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts a private redis-server (`cluster` adds `--cluster-enabled yes`). */
export async function startPrivateRedis(
  options: { cluster?: boolean } = {},
): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'cache-redis-'));
  // The cluster bus listens on port + 10000, so that one must be free as well.
  const port = await freePort(options.cluster ? 10_000 : undefined);
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    join(dir, 'r.pid'),
    '--logfile',
    join(dir, 'r.log'),
  ];
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'));
  }
  const start = async () => {
    await run('redis-server', args);
    await waitFor(async () => (await cli(port, 'PING')) === 'PONG', `redis on port ${port}`);
  };
  const stop = async () => {
    const pid = Number((await readFile(join(dir, 'r.pid'), 'utf8').catch(() => '')).trim());
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await waitFor(async () => !isAlive(pid) && (await isFree(port)), `redis ${port} to stop`);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one redis-cli command against the private server on `port`; resolves with its output. */
export async function cli(port: number, ...command: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command]);
    return stdout.trim();
  } catch {
    return '';
  }
}

/** A 3-master Redis Cluster of private servers, created with `redis-cli --cluster create`. */
export async function startPrivateCluster(
  size = 3,
): Promise<{ nodes: PrivateRedis[]; destroy(): Promise<void> }> {
  const nodes: PrivateRedis[] = [];
  try {
    for (let i = 0; i < size; i++) nodes.push(await startPrivateRedis({ cluster: true }));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const node of nodes) {
      await waitFor(
        async () => (await cli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        `cluster node ${node.port} to report cluster_state:ok`,
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.destroy()));
    throw error;
  }
  return {
    nodes,
    async destroy() {
      await Promise.all(nodes.map((n) => n.destroy()));
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
