import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';

/**
 * `describe(title, body)` when `skipReason` is undefined. Otherwise the suite is skipped, except
 * under `CACHE_REQUIRE_SERVERS=1`, where it becomes one failing test: CI cannot pass without its
 * servers.
 */
export function describeWithServer(
  title: string,
  skipReason: string | undefined,
  body: () => void,
): void {
  if (skipReason === undefined) {
    describe(title, body);
  } else if (process.env.CACHE_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it('has its server (CACHE_REQUIRE_SERVERS=1)', () => {
        throw new Error(`${title}: ${skipReason}, but CACHE_REQUIRE_SERVERS=1 requires it to run.`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${skipReason})`, body);
  }
}

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
