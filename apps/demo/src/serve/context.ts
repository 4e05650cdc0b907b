import type { SemanticCacheApi } from '@cache/core';
import type { AnonymousPolicy, Caller } from './access.js';
import type { ServiceMetrics } from './metrics.js';
import type { ScopeOwners, ServedKeys } from './served-keys.js';

/** What the routes share. */
export interface ServiceContext {
  /** The cache in front of the model (recording which tenant each scope belongs to). */
  cache: SemanticCacheApi;
  /** Prometheus metrics. */
  metrics: ServiceMetrics;
  /** Completion id → served entry key, for feedback. */
  served: ServedKeys;
  /** Scope → the tenant it belongs to, for tenant-scoped clear and feedback. */
  owners: ScopeOwners;
  /** Upper bound on one answer, ms. */
  modelTimeoutMs: number;
  /** The chosen backends, for the dashboard and stats. */
  description: string;
  /** Epoch ms the service started. */
  startedAt: number;
  /** The admin token; undefined turns the admin routes off. */
  adminToken: string | undefined;
  /** What anonymous chat completions get. */
  anonymous: AnonymousPolicy;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, from `Authorization` (set by the access hook before any route runs). */
    caller: Caller;
    /**
     * Why the service answers this request without the cache (an anonymous caller, a prompt too
     * long), set by the request checks before the route runs; it is the `x-cache-reason`.
     */
    notCachedReason?: string;
  }
}
