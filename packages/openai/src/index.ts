export {
  OpenAIChatModel,
  type OpenAIChatModelOptions,
  type OpenAIChatModelStats,
} from './openai-chat-model.js';
export {
  decodeEmbedding,
  OPENAI_EMBEDDING_DIMENSIONS,
  OPENAI_MAX_EMBEDDING_INPUT_TOKENS,
  OPENAI_MAX_EMBEDDING_INPUTS,
  OPENAI_MAX_EMBEDDING_REQUEST_TOKENS,
  OpenAIEmbedder,
  type OpenAIEmbedderOptions,
  type OpenAIEmbedderStats,
} from './openai-embedder.js';
export { judgeOpenAIError } from './openai-errors.js';
export * from './wire/index.js';
export { type CacheInfo, cacheInfo, type WithCacheOptions, withCache } from './with-cache.js';
