export {
  OllamaChatModel,
  type OllamaChatModelOptions,
  type OllamaChatModelStats,
} from './ollama-chat-model.js';
export {
  OLLAMA_DEFAULT_COVERAGE,
  OLLAMA_EMBEDDING_DIMENSIONS,
  OllamaEmbedder,
  type OllamaEmbedderOptions,
  type OllamaEmbedderStats,
} from './ollama-embedder.js';
export { DEFAULT_OLLAMA_URL } from './ollama-http.js';
