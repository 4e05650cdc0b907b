/** Why a suite needing the server in env var `name` cannot run, or undefined when it is set. */
export function envSkipReason(name: 'REDIS_URL' | 'DATABASE_URL'): string | undefined {
  return process.env[name] ? undefined : `${name} is not set`;
}
