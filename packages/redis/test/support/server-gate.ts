import { execFileSync } from 'node:child_process';

/** True when `command` is found on PATH. */
export function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the private-server suites cannot run here, or undefined when they can. */
export function privateRedisSkipReason(): string | undefined {
  return onPath('redis-server') && onPath('redis-cli')
    ? undefined
    : 'redis-server and redis-cli are not on PATH';
}
