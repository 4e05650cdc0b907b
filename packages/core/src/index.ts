export type * from './cache-api.js';
export {
  CACHE_OPTION_KEYS,
  DEFAULT_K,
  DEFAULT_MIN_SIMILARITY,
  DEFAULT_TEMPERATURE_LIMIT,
  DEFAULT_TIMEOUTS,
} from './cache-config.js';
export type * from './cache-options.js';
export type * from './cache-result.js';
export * from './call-deadlines.js';
export * from './canonical-json.js';
export * from './chunk-assembly.js';
export * from './circuit-breaker.js';
export * from './embed-input.js';
export * from './embedding-batcher.js';
export * from './entry-validation.js';
export * from './errors.js';
export * from './guard/index.js';
export * from './judge/index.js';
export * from './keys.js';
export * from './memory-exact-store.js';
export * from './metrics.js';
export type * from './metrics-snapshot.js';
export * from './normalize.js';
export * from './provider-errors.js';
export * from './retry.js';
export * from './scope.js';
export * from './semantic-cache.js';
export * from './single-flight.js';
export * from './sleep.js';
export * from './standin-chat-model.js';
export * from './ttl-rules.js';
export type * from './types.js';
export * from './validate.js';
export * from './vector.js';
export * from './with-timeout.js';
