import { InvalidOptionError } from '@cache/core';
import { z } from 'zod';

/** Valid values of each backend-selecting variable, in the order the help text lists them. */
export const CHOICES = {
  CACHE_EXACT_STORE: ['memory', 'redis'],
  CACHE_VECTOR_STORE: ['lsh', 'pgvector', 'pglite', 'qdrant'],
  CACHE_EMBEDDER: ['local', 'openai', 'ollama'],
  CACHE_MODEL: ['standin', 'openai', 'ollama'],
} as const;

const choiceOf = <K extends keyof typeof CHOICES>(name: K) =>
  z.enum(CHOICES[name], {
    error: (issue) =>
      `${name}=${String(issue.input)} is not supported; use one of: ${CHOICES[name].join(', ')}`,
  });

const choice = <K extends keyof typeof CHOICES>(name: K, fallback: (typeof CHOICES)[K][number]) =>
  choiceOf(name).default(fallback as never);

const url = (name: string) =>
  z.url({ error: (issue) => `${name}=${String(issue.input)} is not a URL` }).optional();

const positiveNumber = (name: string, fallback: number) =>
  z.coerce
    .number({ error: () => `${name} must be a number` })
    .positive({ error: () => `${name} must be positive` })
    .default(fallback);

const envSchema = z
  .object({
    CACHE_EXACT_STORE: choice('CACHE_EXACT_STORE', 'memory'),
    CACHE_VECTOR_STORE: choice('CACHE_VECTOR_STORE', 'lsh'),
    CACHE_EMBEDDER: choice('CACHE_EMBEDDER', 'local'),
    // Without a choice: the real OpenAI model when a key is present, else the stand-in.
    CACHE_MODEL: choiceOf('CACHE_MODEL').optional(),
    REDIS_URL: url('REDIS_URL'),
    DATABASE_URL: url('DATABASE_URL'),
    QDRANT_URL: url('QDRANT_URL'),
    OLLAMA_URL: url('OLLAMA_URL'),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: url('OPENAI_BASE_URL'),
    OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
    OPENAI_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
    OLLAMA_CHAT_MODEL: z.string().min(1).default('llama3.2'),
    OLLAMA_EMBEDDING_MODEL: z.string().min(1).default('nomic-embed-text'),
    CACHE_MODEL_TIMEOUT_MS: positiveNumber('CACHE_MODEL_TIMEOUT_MS', 30_000),
    // Unset: the stand-in's own realistic 300–800 ms; a number: that fixed delay.
    CACHE_STANDIN_DELAY_MS: z.coerce
      .number({ error: () => 'CACHE_STANDIN_DELAY_MS must be a number' })
      .min(0, { error: () => 'CACHE_STANDIN_DELAY_MS must be 0 or more' })
      .optional(),
    CACHE_TTL_MS: positiveNumber('CACHE_TTL_MS', 24 * 60 * 60 * 1000),
    // Origins `serve` answers CORS requests from: a comma-separated list, or `*`. Unset: no CORS.
    CACHE_CORS_ORIGINS: z.string().optional(),
    CACHE_ENTRY_SECRET: z
      .string()
      .min(16, { error: () => 'CACHE_ENTRY_SECRET must be at least 16 characters' })
      .optional(),
  })
  .transform((env) => ({
    ...env,
    CACHE_MODEL:
      env.CACHE_MODEL ?? (env.OPENAI_API_KEY ? ('openai' as const) : ('standin' as const)),
  }))
  .superRefine((env, ctx) => {
    const need = (when: boolean, variable: keyof typeof env, why: string) => {
      if (when && !env[variable]) {
        ctx.addIssue({ code: 'custom', path: [variable], message: `${why} needs ${variable}` });
      }
    };
    need(env.CACHE_EXACT_STORE === 'redis', 'REDIS_URL', 'CACHE_EXACT_STORE=redis');
    need(env.CACHE_VECTOR_STORE === 'pgvector', 'DATABASE_URL', 'CACHE_VECTOR_STORE=pgvector');
    need(env.CACHE_VECTOR_STORE === 'qdrant', 'QDRANT_URL', 'CACHE_VECTOR_STORE=qdrant');
    need(env.CACHE_EMBEDDER === 'openai', 'OPENAI_API_KEY', 'CACHE_EMBEDDER=openai');
    need(env.CACHE_MODEL === 'openai', 'OPENAI_API_KEY', 'CACHE_MODEL=openai');
    need(env.CACHE_EMBEDDER === 'ollama', 'OLLAMA_URL', 'CACHE_EMBEDDER=ollama');
    need(env.CACHE_MODEL === 'ollama', 'OLLAMA_URL', 'CACHE_MODEL=ollama');
  });

/** The demo's configuration, read from environment variables. */
export type DemoConfig = z.infer<typeof envSchema>;

/**
 * Parses the demo's environment. Empty strings count as unset. Throws `InvalidOptionError`
 * listing every problem (unknown backend names list the valid ones) so a bad deployment fails
 * at start rather than on the first request.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.message}`).join('\n');
    throw new InvalidOptionError(`invalid demo configuration:\n${problems}`);
  }
  return parsed.data;
}

/** One-line description of the chosen backends, for logs and the dashboard. */
export function describeConfig(config: DemoConfig): string {
  return [
    `exact=${config.CACHE_EXACT_STORE}`,
    `vector=${config.CACHE_VECTOR_STORE}`,
    `embedder=${config.CACHE_EMBEDDER}`,
    `model=${config.CACHE_MODEL}`,
  ].join(' ');
}
