import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort, isPortFree } from './free-port.js';
import type { PrivateServer } from './private-server.js';
import { isAlive, pidFrom, run, waitFor } from './processes.js';

function commandPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The first PostgreSQL bin directory holding both `initdb` and `pg_ctl`, tried in this order:
 * `PG_BINDIR`, `pg_config --bindir`, the directory of `initdb` on PATH,
 * /usr/lib/postgresql/{18,17,16,15}/bin. Undefined when none does.
 */
export function postgresBinDir(): string | undefined {
  const initdb = commandPath('initdb');
  const candidates = [
    process.env.PG_BINDIR,
    pgConfigBinDir(),
    initdb ? dirname(initdb) : undefined,
    ...['18', '17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`),
  ];
  return candidates.find(
    (dir) =>
      dir !== undefined && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

/** Why a private PostgreSQL cluster cannot be started here, or undefined when it can. */
export function privatePostgresSkipReason(): string | undefined {
  if (postgresBinDir() === undefined) {
    return 'no PostgreSQL bin directory with initdb and pg_ctl (set PG_BINDIR or put pg_config on PATH)';
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
 * loopback port and waits until it accepts connections. Its data and socket directory live under
 * /tmp and are removed if it fails to start. initdb refuses root, so as root the tools run as the
 * `postgres` user, which owns the directory. `stop` is an immediate shutdown (connections are cut
 * as in a crash; recovery runs on the next `start`).
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(privatePostgresSkipReason());
  // /tmp rather than os.tmpdir(): the socket path must stay short and reachable by `postgres`.
  const dir = await mkdtemp('/tmp/test-servers-pg-');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const as = async (tool: string, args: string[]) => {
    const command = [join(bin, tool), ...args];
    if (!asRoot) return run(command[0] as string, command.slice(1));
    const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
  };
  const postmasterPid = () => pidFrom(join(data, 'postmaster.pid'));
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
  let port = 0;
  const stop = async () => {
    await signalAll('SIGCONT');
    const pid = await postmasterPid();
    if (!pid || !isAlive(pid)) return;
    await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']).catch(
      () => undefined,
    );
    await waitFor(
      async () => !isAlive(pid) && (await isPortFree(port)),
      `postgres ${port} to stop`,
    );
  };
  const destroy = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  const ready = async () => {
    try {
      await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`;
    await as('pg_ctl', [
      '-D',
      data,
      '-o',
      options,
      '-l',
      join(dir, 'pg.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await waitFor(ready, `postgres on port ${port}`);
  };
  try {
    if (asRoot) {
      const { stdout: uid } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(uid.trim()), Number(gid.trim()));
    }
    await chmod(dir, 0o700);
    await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    port = await freePort();
    await start();
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    destroy,
  };
}
