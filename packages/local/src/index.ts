export * from './local-embedder.js';
