import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isPortFree } from './free-port.js';
import type { PrivateServer } from './private-server.js';
import { isAlive, onPath, pidFrom, run, waitFor } from './processes.js';

/** Why a private redis-server cannot be started here, or undefined when it can. */
export function privateRedisSkipReason(): string | undefined {
  return onPath('redis-server') && onPath('redis-cli')
    ? undefined
    : 'redis-server and redis-cli are not on PATH';
}

/** Runs one redis-cli command against `port` of 127.0.0.1; resolves with its output ('' on failure). */
export async function redisCli(port: number, ...command: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command]);
    return stdout.trim();
  } catch {
    return '';
  }
}

/**
 * Starts a redis-server without persistence on a free loopback port and waits until it answers
 * PING. `cluster` adds `--cluster-enabled yes` (for {@link startPrivateCluster}).
 */
export async function startPrivateRedis(
  options: { cluster?: boolean } = {},
): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'test-servers-redis-'));
  // The cluster bus listens on port + 10000, so that one must be free as well.
  const port = await freePort(options.cluster ? 10_000 : undefined);
  const pidFile = join(dir, 'r.pid');
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
    pidFile,
    '--logfile',
    join(dir, 'r.log'),
  ];
  if (options.cluster) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'));
  }
  const start = async () => {
    await run('redis-server', args);
    await waitFor(async () => (await redisCli(port, 'PING')) === 'PONG', `redis on port ${port}`);
  };
  const signal = async (sig: NodeJS.Signals) => {
    const pid = await pidFrom(pidFile);
    if (pid && isAlive(pid)) process.kill(pid, sig);
    return pid;
  };
  const stop = async () => {
    // A crash, not a shutdown: SIGKILL works on a paused (SIGSTOPped) server too.
    const pid = await signal('SIGKILL');
    if (!pid) return;
    await waitFor(async () => !isAlive(pid) && (await isPortFree(port)), `redis ${port} to stop`);
  };
  const destroy = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    pause: async () => {
      await signal('SIGSTOP');
    },
    resume: async () => {
      await signal('SIGCONT');
    },
    destroy,
  };
}

/** A Redis Cluster of private servers, one master per node. */
export interface PrivateRedisCluster {
  /** Its nodes, each a master owning a share of the hash slots. */
  readonly nodes: PrivateServer[];
  /** Destroys every node. */
  destroy(): Promise<void>;
}

/**
 * Starts `size` private cluster-enabled servers, joins them with `redis-cli --cluster create`
 * (no replicas) and waits until each reports `cluster_state:ok`. On failure every node started
 * so far is destroyed.
 */
export async function startPrivateCluster(size = 3): Promise<PrivateRedisCluster> {
  const nodes: PrivateServer[] = [];
  const destroy = async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
  };
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
        async () => (await redisCli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        `cluster node ${node.port} to report cluster_state:ok`,
      );
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  return { nodes, destroy };
}
