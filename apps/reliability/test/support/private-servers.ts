import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A server this test process started on a private loopback port (never the shared 6379/5432),
 * that the test may kill, pause and restart.
 */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (as abruptly as the kind allows) and waits until its port is closed. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after `pause`. */
  resume(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/** True when `command` is found on PATH. */
export function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Resolves with a loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (await isFree(port)) return port;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function pidFrom(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(text.split('\n')[0]?.trim() ?? '') || 0;
}

// ---- Redis -----------------------------------------------------------------------------------

/** Why a private redis-server cannot be started here, or undefined when it can. */
export function privateRedisSkipReason(): string | undefined {
  return onPath('redis-server') && onPath('redis-cli')
    ? undefined
    : 'redis-server and redis-cli are not on PATH';
}

/** Runs one redis-cli command against `port`; resolves with its output ('' on failure). */
export async function redisCli(port: number, ...command: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command]);
    return stdout.trim();
  } catch {
    return '';
  }
}

/** Starts a redis-server without persistence on a free loopback port. */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const dir = await mkdtemp(join(tmpdir(), 'reliability-redis-'));
  const port = await freePort();
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
  const start = async () => {
    await run('redis-server', args);
    await waitFor(async () => (await redisCli(port, 'PING')) === 'PONG', `redis on ${port}`);
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
    await waitFor(async () => !isAlive(pid) && (await isFree(port)), `redis ${port} to stop`);
  };
  await start();
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
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---- PostgreSQL ------------------------------------------------------------------------------

function pgBin(name: string): string | undefined {
  if (onPath(name)) return name;
  for (const version of ['18', '17', '16', '15']) {
    const path = `/usr/lib/postgresql/${version}/bin/${name}`;
    try {
      execFileSync('test', ['-x', path]);
      return path;
    } catch {
      // try the next version
    }
  }
  return undefined;
}

/** Why a private PostgreSQL cluster cannot be started here, or undefined when it can. */
export function privatePostgresSkipReason(): string | undefined {
  if (pgBin('initdb') === undefined || pgBin('pg_ctl') === undefined) {
    return 'initdb and pg_ctl are not installed';
  }
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run initdb as';
    }
  }
  return undefined;
}

/**
 * Starts a throwaway PostgreSQL cluster (trust auth, user postgres, database postgres) on a free
 * loopback port, with its data and socket directory under the system temp folder. As root the
 * server runs as the `postgres` user, since initdb refuses root.
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const initdb = pgBin('initdb') as string;
  const pgCtl = pgBin('pg_ctl') as string;
  const dir = await mkdtemp(join(tmpdir(), 'reliability-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(uid.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const as = async (command: string, args: string[]) => {
    if (!asRoot) return run(command, args);
    const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
  };
  await as(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`;
  const postmasterPid = () => pidFrom(join(data, 'postmaster.pid'));
  const ready = async () => {
    try {
      await run(pgBin('pg_isready') ?? 'pg_isready', ['-h', '127.0.0.1', '-p', String(port)]);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    await as(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'pg.log'), '-w', 'start']);
    await waitFor(ready, `postgres on ${port}`);
  };
  /** The postmaster and every backend it forked (children of the postmaster). */
  const processes = async (): Promise<number[]> => {
    const pid = await postmasterPid();
    if (!pid) return [];
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({
      stdout: '',
    }));
    return [
      pid,
      ...stdout
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter((n) => n > 0),
    ];
  };
  const signalAll = async (sig: NodeJS.Signals) => {
    for (const pid of await processes()) {
      try {
        process.kill(pid, sig);
      } catch {
        // it exited meanwhile
      }
    }
  };
  const stop = async () => {
    await signalAll('SIGCONT');
    const pid = await postmasterPid();
    if (!pid || !isAlive(pid)) return;
    // Immediate shutdown: connections are cut like in a crash; recovery runs on the next start.
    await as(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await waitFor(async () => !isAlive(pid) && (await isFree(port)), `postgres ${port} to stop`);
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
