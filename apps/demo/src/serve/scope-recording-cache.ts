import {
  type CacheResult,
  type CacheStream,
  type ChatRequest,
  type ChatResponse,
  type LookupResult,
  type MetricsSnapshot,
  type RequestOptions,
  type SemanticCacheApi,
  type StoreResult,
  scopeOfKey,
} from '@cache/core';
import type { ScopeOwners } from './served-keys.js';

/**
 * The service's view of the cache: every call is passed through unchanged, and the scope each
 * answer belongs to is recorded as its tenant's in `owners`, so `DELETE /cache?scope=` and
 * feedback can tell a tenant's own entries from another's.
 */
export class ScopeRecordingCache implements SemanticCacheApi {
  constructor(
    private readonly inner: SemanticCacheApi,
    private readonly owners: ScopeOwners,
  ) {}

  /** See `SemanticCacheApi.complete`. */
  async complete(request: ChatRequest, options?: RequestOptions): Promise<CacheResult> {
    const result = await this.inner.complete(request, options);
    this.record(result.scope, options);
    return result;
  }

  /** See `SemanticCacheApi.stream`. */
  async stream(request: ChatRequest, options?: RequestOptions): Promise<CacheStream> {
    const stream = await this.inner.stream(request, options);
    if (stream.key !== undefined) this.record(scopeOfKey(stream.key), options);
    return stream;
  }

  /** See `SemanticCacheApi.lookup`. */
  async lookup(request: ChatRequest, options?: RequestOptions): Promise<LookupResult> {
    const result = await this.inner.lookup(request, options);
    this.record(result.scope, options);
    return result;
  }

  /** See `SemanticCacheApi.store`. */
  async store(
    request: ChatRequest,
    response: ChatResponse,
    options?: RequestOptions,
  ): Promise<StoreResult> {
    const result = await this.inner.store(request, response, options);
    if (result.key !== undefined) this.record(scopeOfKey(result.key), options);
    return result;
  }

  /** See `SemanticCacheApi.reportWrongHit`. */
  reportWrongHit(key: string): Promise<boolean> {
    return this.inner.reportWrongHit(key);
  }

  /** See `SemanticCacheApi.delete`. */
  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  /** See `SemanticCacheApi.clear`. */
  clear(scope?: string): Promise<void> {
    return this.inner.clear(scope);
  }

  /** See `SemanticCacheApi.metrics`. */
  metrics(): MetricsSnapshot {
    return this.inner.metrics();
  }

  /** See `SemanticCacheApi.resetMetrics`. */
  resetMetrics(): void {
    this.inner.resetMetrics();
  }

  /** See `SemanticCacheApi.close`. */
  close(): Promise<void> {
    return this.inner.close();
  }

  private record(scope: string | undefined, options: RequestOptions | undefined): void {
    if (scope !== undefined && options?.tenant !== undefined) {
      this.owners.remember(scope, options.tenant);
    }
  }
}
