export {
  decodeEntry,
  ENTRY_FORMAT_VERSION,
  EntrySigner,
  encodeEntry,
  ForgedEntryError,
  SIGNED_FORMAT_VERSION,
} from './entry-codec.js';
export { RedisExactStore } from './redis-exact-store.js';
export { DEFAULT_PREFIX, redisKeyOf } from './redis-keys.js';
export {
  FAIL_FAST_CLUSTER_OPTIONS,
  FAIL_FAST_REDIS_OPTIONS,
  type RedisExactStoreOptions,
} from './redis-options.js';
