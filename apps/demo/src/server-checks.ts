import { InvalidOptionError, StoreUnavailableError, type VectorStore } from '@cache/core';
import type { DemoConfig } from './config.js';
import { probeHttp, probeTcp } from './probe.js';

/** A server the configuration names, and how to tell whether it answers. */
export interface ConfiguredServer {
  /** What it is (`Redis`, `PostgreSQL`, `Qdrant`, `Ollama`). */
  name: string;
  /** The variable that names it (`REDIS_URL`...). */
  variable: string;
  /** Its URL, without credentials. */
  url: string;
  /** Resolves undefined when it answers, else why not. */
  probe: () => Promise<string | undefined>;
}

/** The URL without user and password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/** A probe's problem, if any, as a sentence naming the server and its variable. */
export async function named(
  name: string,
  variable: string,
  url: string,
  probe: Promise<string | undefined>,
): Promise<string | undefined> {
  const problem = await probe;
  return problem === undefined
    ? undefined
    : `${name} at ${redactUrl(url)} (${variable}) is unreachable: ${problem}`;
}

/** The servers `config` uses (none for the offline defaults). */
export function configuredServers(config: DemoConfig): ConfiguredServer[] {
  const servers: ConfiguredServer[] = [];
  const add = (
    name: string,
    variable: string,
    url: string | undefined,
    probe: (u: string) => Promise<string | undefined>,
  ) => {
    if (url !== undefined)
      servers.push({ name, variable, url: redactUrl(url), probe: () => probe(url) });
  };
  if (config.CACHE_EXACT_STORE === 'redis')
    add('Redis', 'REDIS_URL', config.REDIS_URL, (u) => probeTcp(u, 6379));
  if (config.CACHE_VECTOR_STORE === 'pgvector') {
    add('PostgreSQL', 'DATABASE_URL', config.DATABASE_URL, (u) => probeTcp(u, 5432));
  }
  if (config.CACHE_VECTOR_STORE === 'qdrant') {
    add('Qdrant', 'QDRANT_URL', config.QDRANT_URL, (u) => probeHttp(new URL('/readyz', u).href));
  }
  if (config.CACHE_MODEL === 'ollama' || config.CACHE_EMBEDDER === 'ollama') {
    add('Ollama', 'OLLAMA_URL', config.OLLAMA_URL, (u) =>
      probeHttp(new URL('/api/version', u).href),
    );
  }
  return servers;
}

/** One line per configured server that does not answer, naming it and its variable. */
export async function unreachableServers(config: DemoConfig): Promise<string[]> {
  const servers = configuredServers(config);
  const problems = await Promise.all(servers.map((s) => s.probe()));
  return servers.flatMap((s, i) =>
    problems[i] === undefined
      ? []
      : [`${s.name} at ${s.url} (${s.variable}) is unreachable: ${problems[i]}`],
  );
}

/**
 * Throws `InvalidOptionError` naming every configured server that does not answer and the
 * variable that points at it, before anything connects (so the command exits at once).
 */
export async function requireServers(config: DemoConfig): Promise<void> {
  const down = await unreachableServers(config);
  if (down.length > 0) {
    throw new InvalidOptionError(
      `${down.join('\n')}\nStart the server, fix the variable, or unset the CACHE_* choice that needs it (the defaults need no server).`,
    );
  }
}

/**
 * A vector store standing in for one that could not be opened at start: every call rejects
 * with `StoreUnavailableError`, so the cache serves exact hits and the model (fail-open) and
 * counts the failures. Restart the service once the server answers.
 */
export function unavailableVectorStore(dimension: number, name: string, why: string): VectorStore {
  const fail = async (): Promise<never> => {
    throw new StoreUnavailableError(
      name,
      `could not be opened at start (${why}); restart the service once it answers.`,
    );
  };
  return {
    name,
    dimension,
    upsert: fail,
    search: fail,
    delete: fail,
    clear: fail,
    close: async () => undefined,
  };
}
