import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The PostgreSQL bin directory: `PG_BINDIR`, else `pg_config --bindir`, else undefined. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Why a private PostgreSQL cannot be started here, or undefined when it can. */
export function privatePostgresSkipReason(): string | undefined {
  const bin = postgresBinDir();
  if (bin === undefined) return 'no PostgreSQL binaries (set PG_BINDIR or put pg_config on PATH)';
  for (const tool of ['initdb', 'pg_ctl']) {
    if (!existsSync(join(bin, tool))) return `${join(bin, tool)} does not exist`;
  }
  return undefined;
}
