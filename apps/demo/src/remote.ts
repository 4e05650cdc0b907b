import type { ChatModel, Embedder } from '@cache/core';
import { OllamaChatModel, OllamaEmbedder } from '@cache/ollama';
import { OpenAIChatModel, OpenAIEmbedder } from '@cache/openai';
import type { DemoConfig } from './config.js';

/** The OpenAI or Ollama chat model that `CACHE_MODEL` names (not the stand-in). */
export async function createRemoteModel(config: DemoConfig): Promise<ChatModel> {
  if (config.CACHE_MODEL === 'ollama') {
    return new OllamaChatModel({
      baseUrl: config.OLLAMA_URL,
      timeoutMs: config.CACHE_MODEL_TIMEOUT_MS,
    });
  }
  return new OpenAIChatModel({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    timeoutMs: config.CACHE_MODEL_TIMEOUT_MS,
  });
}

/**
 * The OpenAI or Ollama embedder that `CACHE_EMBEDDER` names. Ollama's vector length is read
 * from the server (one probe call), since it depends on the model pulled there.
 */
export async function createRemoteEmbedder(config: DemoConfig): Promise<Embedder> {
  if (config.CACHE_EMBEDDER === 'ollama') {
    return OllamaEmbedder.detect({
      baseUrl: config.OLLAMA_URL,
      model: config.OLLAMA_EMBEDDING_MODEL,
    });
  }
  return new OpenAIEmbedder({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_EMBEDDING_MODEL,
  });
}

/** Model name the tour sends: the configured one for real models, a familiar one otherwise. */
export function tourModelName(config: DemoConfig): string {
  return config.CACHE_MODEL === 'ollama' ? config.OLLAMA_CHAT_MODEL : config.OPENAI_CHAT_MODEL;
}
