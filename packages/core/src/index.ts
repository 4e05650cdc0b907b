export * from './errors.js';
export * from './keys.js';
export type * from './types.js';
export * from './vector.js';
