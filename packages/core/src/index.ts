export type * from './cache-api.js';
export type * from './cache-options.js';
export type * from './cache-result.js';
export * from './errors.js';
export * from './keys.js';
export type * from './metrics-snapshot.js';
export type * from './types.js';
export * from './vector.js';
