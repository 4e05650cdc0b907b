import type { SemanticCacheApi } from '@cache/core';
import type { ServiceMetrics } from './metrics.js';
import type { ServedKeys } from './served-keys.js';

/** What the routes share. */
export interface ServiceContext {
  /** The cache in front of the model. */
  cache: SemanticCacheApi;
  /** Prometheus metrics. */
  metrics: ServiceMetrics;
  /** Completion id → served entry key, for feedback. */
  served: ServedKeys;
  /** Upper bound on one answer, ms. */
  modelTimeoutMs: number;
  /** The chosen backends, for the dashboard and stats. */
  description: string;
  /** Epoch ms the service started. */
  startedAt: number;
}
