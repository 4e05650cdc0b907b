export { type Mapped, toChatRequest, toChatResponse } from './chat-request-mapping.js';
export {
  OpenAIChatModel,
  type OpenAIChatModelOptions,
  type OpenAIChatModelStats,
  usageOf,
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
export { type CacheInfo, cacheInfo, type WithCacheOptions, withCache } from './with-cache.js';
