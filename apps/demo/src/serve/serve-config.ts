import { InvalidOptionError } from '@cache/core';
import { z } from 'zod';
import { ANONYMOUS_POLICIES } from './access.js';
import type { ServiceOptions } from './app.js';

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: () => `${name} must be a number` })
    .int({ error: () => `${name} must be a whole number` })
    .positive({ error: () => `${name} must be positive` })
    .optional();

const serveEnv = z.object({
  CACHE_ADMIN_TOKEN: z
    .string()
    .min(16, { error: () => 'CACHE_ADMIN_TOKEN must be at least 16 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: () => 'CACHE_ADMIN_TOKEN must be visible ASCII, no spaces' })
    .optional(),
  CACHE_ANONYMOUS: z
    .enum(ANONYMOUS_POLICIES as [string, ...string[]], {
      error: (issue) =>
        `CACHE_ANONYMOUS=${String(issue.input)} is not supported; use one of: ${ANONYMOUS_POLICIES.join(', ')}`,
    })
    .optional(),
  CACHE_ALLOWED_HOSTS: z.string().optional(),
  CACHE_RATE_LIMIT_PER_MINUTE: positiveInt('CACHE_RATE_LIMIT_PER_MINUTE'),
  CACHE_REQUEST_TIMEOUT_MS: positiveInt('CACHE_REQUEST_TIMEOUT_MS'),
  CACHE_IDLE_TIMEOUT_MS: positiveInt('CACHE_IDLE_TIMEOUT_MS'),
  CACHE_BODY_LIMIT_BYTES: positiveInt('CACHE_BODY_LIMIT_BYTES'),
  CACHE_MAX_JSON_DEPTH: positiveInt('CACHE_MAX_JSON_DEPTH'),
  CACHE_MAX_SEMANTIC_PROMPT_CHARS: positiveInt('CACHE_MAX_SEMANTIC_PROMPT_CHARS'),
});

/**
 * The service's security and limit options from the environment (see apps/demo/README.md).
 * Empty strings count as unset; a bad value throws `InvalidOptionError` listing every problem.
 */
export function serveOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Partial<ServiceOptions> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = serveEnv.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.message}`).join('\n');
    throw new InvalidOptionError(`invalid service configuration:\n${problems}`);
  }
  const e = parsed.data;
  const options: Partial<ServiceOptions> = {
    adminToken: e.CACHE_ADMIN_TOKEN,
    anonymous: e.CACHE_ANONYMOUS as ServiceOptions['anonymous'],
    requestTimeoutMs: e.CACHE_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: e.CACHE_IDLE_TIMEOUT_MS,
    bodyLimit: e.CACHE_BODY_LIMIT_BYTES,
    maxJsonDepth: e.CACHE_MAX_JSON_DEPTH,
    maxSemanticPromptChars: e.CACHE_MAX_SEMANTIC_PROMPT_CHARS,
  };
  if (e.CACHE_ALLOWED_HOSTS !== undefined) {
    options.allowedHosts = e.CACHE_ALLOWED_HOSTS.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
  }
  if (e.CACHE_RATE_LIMIT_PER_MINUTE !== undefined) {
    options.rateLimit = { max: e.CACHE_RATE_LIMIT_PER_MINUTE, timeWindowMs: 60_000 };
  }
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<ServiceOptions>;
}
