export * from './local-embedder.js';
export { LOCAL_EMBEDDER_MODELS, type LocalEmbedderModel } from './local-models.js';
